using Faces.Torch.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace Faces.Torch.Pooling;

/// <summary>
/// ReLU followed by non-overlapping k×k max-pooling (stride k, no padding; rows and columns that fill no window are
/// dropped) as one autograd function whose forward and backward are C# kernels (<see cref="ReluMaxPoolKernel"/>).
/// Same values as <c>max_pool2d(relu(x), k)</c> and the same gradient: each window's gradient goes to its first
/// maximum in row-major order, and nowhere when the maximum is not positive. Why: libtorch's max_pool2d with indices
/// measured 0.8–1.1 ms forward for a Fashion-MNIST batch (100×8×28×28, k = 3), most of a training step.
/// The backward keeps one int per window (where its gradient goes), not the input.
/// </summary>
public sealed class ReluMaxPoolFunction : autograd.SingleTensorFunction<ReluMaxPoolFunction>
{
    /// <inheritdoc />
    public override string Name => "FacesReluMaxPool";

    /// <summary>
    /// Whether the function handles this input (else use libtorch's relu and max_pool2d): a float32/float64 CPU
    /// [N, C, H, W] at least k×k, with fewer than 2³¹ elements (the kernels index spans with ints).
    /// </summary>
    public static bool Supports(Tensor input, int k) =>
        input.dim() == 4 && input.device_type == DeviceType.CPU && k >= 1 &&
        input.shape[2] >= k && input.shape[3] >= k && input.numel() <= int.MaxValue &&
        (input.dtype == ScalarType.Float32 || input.dtype == ScalarType.Float64);

    /// <summary>relu then k×k max-pooling of [N, C, H, W]; checked here, before anything is allocated.</summary>
    public static Tensor Apply(Tensor input, int k)
    {
        if (!Supports(input, k))
            throw new ArgumentException($"ReluMaxPool needs a float32/float64 CPU input [N, C, H, W] at least {k}x{k} with at most " +
                                        $"{int.MaxValue} elements; got {input.dtype} [{string.Join(", ", input.shape)}].");
        return apply(input, k);
    }

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        int k = (int)vars[1];
        long n = input.shape[0], c = input.shape[1], height = input.shape[2], width = input.shape[3];
        using var contiguous = input.contiguous();
        var output = empty(n, c, height / k, width / k, dtype: input.dtype);
        // In libtorch's memory, not the managed heap: a batch's positions are large-object-heap sized (260 KB for
        // Fashion-MNIST), and a fresh large array per step keeps the collector busy. Not disposed here: TorchSharp
        // saves it for backward after forward returns; the caller's dispose scope releases this handle.
        var positions = empty(new long[] { n * c * (height / k) * (width / k) }, dtype: ScalarType.Int32);
        if (input.dtype == ScalarType.Float32) Forward<float>(contiguous, output, positions, k);
        else Forward<double>(contiguous, output, positions, k);
        ctx.save_for_backward(new List<Tensor> { positions });
        ctx.save_data("shape", input.shape);
        return output;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        // The handle to the saved positions is released here, not left for a garbage collection.
        using var positions = ctx.get_saved_variables()[0];
        var shape = (long[])ctx.get_data("shape");
        using var grad = gradOutput.contiguous();
        var gradInput = empty(shape, dtype: gradOutput.dtype);
        if (gradOutput.dtype == ScalarType.Float32) Backward<float>(grad, positions, gradInput);
        else Backward<double>(grad, positions, gradInput);
        return new List<Tensor> { gradInput, null! };
    }

    private static void Forward<T>(Tensor input, Tensor output, Tensor positions, int k) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int height = (int)input.shape[2], width = (int)input.shape[3];
        int planes = (int)(input.shape[0] * input.shape[1]);
        ReluMaxPoolKernel.Forward<T>(TensorSpans.Of<T>(input), TensorSpans.Of<T>(output), TensorSpans.Of<int>(positions), planes, height, width, k);
    }

    private static void Backward<T>(Tensor gradOutput, Tensor positions, Tensor gradInput) where T : unmanaged
    {
        TensorSpans.Of<T>(gradInput).Clear();
        ReluMaxPoolKernel.Backward<T>(TensorSpans.Of<T>(gradOutput), TensorSpans.Of<int>(positions), TensorSpans.Of<T>(gradInput));
    }
}
