using Faces.Torch.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Convolution;

/// <summary>
/// 2-D cross-correlation, stride 1, with zero padding, as a custom autograd function whose backward is written out:
/// <list type="bullet">
/// <item>forward: y[n,k,h,w] = Σ_c Σ_i Σ_j x[n,c,h+i,w+j] · f[k,c,i,j] + b[k] (x zero-padded);</item>
/// <item>dE/df = the padded input correlated with dE/dy;</item>
/// <item>dE/dx = the full convolution of dE/dy with the filters rotated by 180° and with in/out channels swapped,
/// cropped to the unpadded input;</item>
/// <item>dE/db = Σ over n, h, w of dE/dy.</item>
/// </list>
/// Arguments of <c>apply</c>: input [N,C,H,W], filters [K,C,kh,kw], bias [K], <see cref="ConvolutionPadding"/>,
/// <see cref="WeightGradientMethod"/>. Validation happens in <see cref="ExplicitConv2d"/> and in forward:
/// an exception in backward runs inside a native callback and would kill the process.
/// </summary>
public sealed class ExplicitConvolutionFunction : autograd.SingleTensorFunction<ExplicitConvolutionFunction>
{
    /// <inheritdoc />
    public override string Name => "FacesExplicitConv2d";

    /// <summary>Convolves with the explicit backward; the public entry point.</summary>
    public static Tensor Apply(Tensor input, Tensor filters, Tensor bias, ConvolutionPadding padding,
        WeightGradientMethod method = WeightGradientMethod.Auto) => apply(input, filters, bias, padding, method);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var filters = (Tensor)vars[1];
        var bias = (Tensor)vars[2];
        var padding = (ConvolutionPadding)vars[3];
        var method = (WeightGradientMethod)vars[4];
        CheckShapes(input, filters, bias, padding);

        // TorchSharp 0.107 has no needs_input_grad: record it here to skip dE/dx for a network's first layer.
        ctx.save_data("inputNeedsGrad", input.requires_grad);
        ctx.save_data("padding", padding);
        ctx.save_data("method", method);
        ctx.save_for_backward(new List<Tensor> { input, filters });
        using var _ = no_grad();
        if (padding.IsSymmetric)
            return F.conv2d(input, filters, bias, padding: new long[] { padding.Top, padding.Left });
        using var padded = Pad(input, padding);
        return F.conv2d(padded, filters, bias);
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        // Handles to the saved tensors: released here, or the activations they keep alive wait for a garbage collection.
        var saved = ctx.get_saved_variables();
        using Tensor input = saved[0], filters = saved[1];
        var padding = (ConvolutionPadding)ctx.get_data("padding");
        var method = (WeightGradientMethod)ctx.get_data("method");
        bool inputNeedsGrad = (bool)ctx.get_data("inputNeedsGrad");

        using var gradContiguous = gradOutput.contiguous();
        var gradBias = gradContiguous.sum(new long[] { 0, 2, 3 });
        Tensor gradFilters;
        using (var padded = Pad(input, padding))
            gradFilters = WeightGradient(padded, gradContiguous, filters.shape, method);
        Tensor? gradInput = inputNeedsGrad ? InputGradient(gradContiguous, filters, padding, input.shape[2], input.shape[3]) : null;
        return new List<Tensor> { gradInput!, gradFilters, gradBias, null!, null! };
    }

    /// <summary>dE/df[k,c,i,j] = Σ_n Σ_h Σ_w xpad[n,c,h+i,w+j] · g[n,k,h,w]: the input correlated with dE/dy.</summary>
    public static Tensor WeightGradient(Tensor paddedInput, Tensor gradOutput, long[] filterShape, WeightGradientMethod method)
    {
        long k = filterShape[0], c = filterShape[1], kh = filterShape[2], kw = filterShape[3];
        if (method is WeightGradientMethod.Auto or WeightGradientMethod.DirectSimd)
        {
            if (DirectSimdApplies(paddedInput, gradOutput, filterShape) && (method == WeightGradientMethod.DirectSimd || PreferDirectSimd(c)))
                return paddedInput.dtype == ScalarType.Float32
                    ? DirectWeightGradient<float>.Compute(paddedInput, gradOutput, filterShape)
                    : DirectWeightGradient<double>.Compute(paddedInput, gradOutput, filterShape);
            method = ChooseWeightGradientMethod(c, k);
        }
        long n = paddedInput.shape[0], height = gradOutput.shape[2], width = gradOutput.shape[3];
        if (method == WeightGradientMethod.Im2ColMatMul)
        {
            // im2col through strided views ([N, C, kh, kw, H, W]) and one reshape copy: F.unfold measured 5-30x slower.
            using var rows = paddedInput.unfold(2, height, 1);
            using var windows = rows.unfold(3, width, 1);
            using var columns = windows.reshape(n, c * kh * kw, height * width);
            using var g = gradOutput.reshape(n, k, height * width);
            using var perExample = bmm(g, columns.transpose(1, 2)); // [N, K, C·kh·kw]
            using var summed = perExample.sum(dim: 0);
            return summed.reshape(k, c, kh, kw);
        }
        if (method == WeightGradientMethod.GroupedConvolution)
        {
            // Each (example, channel) is its own group, correlated with that example's K gradient maps.
            using var input = paddedInput.reshape(1, n * c, paddedInput.shape[2], paddedInput.shape[3]);
            using var expanded = gradOutput.unsqueeze(1).expand(n, c, k, height, width);
            using var kernels = expanded.reshape(n * c * k, 1, height, width);
            using var perExample = F.conv2d(input, kernels, groups: n * c); // [1, N·C·K, kh, kw]
            using var byExample = perExample.view(n, c, k, kh, kw);
            using var summed = byExample.sum(dim: 0);
            return summed.transpose(0, 1).contiguous();
        }
        // Channels as the batch, examples as channels, dE/dy as the filter: [C, N, Hp, Wp] ⋆ [K, N, H, W] → [C, K, kh, kw].
        using var inputByChannel = paddedInput.transpose(0, 1);
        using var gradByChannel = gradOutput.transpose(0, 1);
        using var correlated = F.conv2d(inputByChannel, gradByChannel);
        return correlated.transpose(0, 1).contiguous();
    }

    /// <summary>
    /// dE/dx = full convolution of dE/dy with the 180°-rotated, channel-transposed filters, cropped to the input.
    /// A full convolution pads dE/dy by k−1; the forward padding p then trims p from each side, so the two combine
    /// into padding k−1−p where that is not negative, and into a crop where it is.
    /// </summary>
    public static Tensor InputGradient(Tensor gradOutput, Tensor filters, ConvolutionPadding padding, long height, long width)
    {
        long kh = filters.shape[2], kw = filters.shape[3];
        using var rotated = filters.flip(2, 3);
        using var transposed = rotated.transpose(0, 1); // [C, K, kh, kw]: the in/out channel swap
        if (padding.IsSymmetric && padding.Top <= kh - 1 && padding.Left <= kw - 1)
            return F.conv2d(gradOutput, transposed, padding: new long[] { kh - 1 - padding.Top, kw - 1 - padding.Left });
        using var full = F.conv2d(gradOutput, transposed, padding: new long[] { kh - 1, kw - 1 }); // gradient w.r.t. the padded input
        using var rows = full.narrow(2, padding.Top, height);
        return rows.narrow(3, padding.Left, width).contiguous();
    }

    /// <summary>
    /// The libtorch method for shapes the C# loops do not take. Measured on 2 cores with <c>faces benchmark conv</c>: the
    /// grouped convolution wins where the input has one channel, the swapped-axes convolution elsewhere; im2col + matmul
    /// was never the fastest.
    /// </summary>
    public static WeightGradientMethod ChooseWeightGradientMethod(long inChannels, long outChannels) =>
        inChannels == 1 ? WeightGradientMethod.GroupedConvolution : WeightGradientMethod.SwappedAxesConvolution;

    /// <summary>Whether <see cref="WeightGradientMethod.DirectSimd"/> handles these tensors (else it falls back).</summary>
    public static bool DirectSimdApplies(Tensor paddedInput, Tensor gradOutput, long[] filterShape) =>
        DirectWeightGradient<float>.Supports(paddedInput, gradOutput, filterShape) ||
        DirectWeightGradient<double>.Supports(paddedInput, gradOutput, filterShape);

    /// <summary>
    /// Auto picks the C# loops for one input channel: measured with <c>faces benchmark conv</c> on 2 cores, layer 1
    /// (1→8) 0.95 ms against the grouped convolution's 1.59 ms at 48x48 and 0.33 against 0.60 at 28x28; with 8 input
    /// channels libtorch's swapped-axes convolution stays faster (1.24 against 2.07 ms at 16x16).
    /// </summary>
    private static bool PreferDirectSimd(long inChannels) => inChannels == 1;

    private static Tensor Pad(Tensor input, ConvolutionPadding padding) =>
        padding.IsZero ? input.alias() : F.pad(input, padding.ForPad);

    internal static void CheckShapes(Tensor input, Tensor filters, Tensor bias, ConvolutionPadding padding)
    {
        if (input.dim() != 4)
            throw new ArgumentException($"Convolution input must be [N, C, H, W]; got shape [{string.Join(", ", input.shape)}].");
        if (filters.dim() != 4 || filters.shape[1] != input.shape[1])
            throw new ArgumentException($"Filters must be [K, {input.shape[1]}, kh, kw] for an input with {input.shape[1]} channels; " +
                                        $"got [{string.Join(", ", filters.shape)}].");
        if (bias.dim() != 1 || bias.shape[0] != filters.shape[0])
            throw new ArgumentException($"Bias must have {filters.shape[0]} entries; got shape [{string.Join(", ", bias.shape)}].");
        if (padding.Top < 0 || padding.Bottom < 0 || padding.Left < 0 || padding.Right < 0)
            throw new ArgumentException($"Padding must not be negative: {padding}.");
        long paddedHeight = input.shape[2] + padding.Top + padding.Bottom, paddedWidth = input.shape[3] + padding.Left + padding.Right;
        if (paddedHeight < filters.shape[2] || paddedWidth < filters.shape[3])
            throw new ArgumentException($"A {filters.shape[2]}x{filters.shape[3]} filter does not fit a padded {paddedHeight}x{paddedWidth} input.");
        if (input.dtype != filters.dtype || input.dtype != bias.dtype)
            throw new ArgumentException($"Input, filters and bias must share a dtype; got {input.dtype}, {filters.dtype}, {bias.dtype}.");
    }
}
