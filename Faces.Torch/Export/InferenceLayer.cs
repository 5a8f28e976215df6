using Faces.Torch.Convolution;
using static TorchSharp.torch;

namespace Faces.Torch.Export;

/// <summary>One step of an <see cref="InferenceGraph"/>.</summary>
public abstract record InferenceLayer;

/// <summary>Values copied out of a tensor, with its shape (row-major).</summary>
public sealed record TensorValues(float[] Values, long[] Shape)
{
    /// <summary>A float32 copy of <paramref name="tensor"/> (detached, on the CPU).</summary>
    public static TensorValues Of(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        return new TensorValues(cpu.data<float>().ToArray(), cpu.shape.ToArray());
    }
}

/// <summary>2-D convolution, stride 1, zero padding; weight [out, in, kh, kw].</summary>
public sealed record ConvolutionLayer(TensorValues Weight, TensorValues? Bias, ConvolutionPadding Padding) : InferenceLayer;

/// <summary>Batch normalisation with running statistics: (x − mean) / √(variance + epsilon) · scale + shift, per channel.</summary>
public sealed record BatchNormLayer(TensorValues Scale, TensorValues Shift, TensorValues Mean, TensorValues Variance, double Epsilon) : InferenceLayer;

/// <summary>max(x, 0).</summary>
public sealed record ReluLayer : InferenceLayer;

/// <summary>Non-overlapping <see cref="Size"/>×<see cref="Size"/> max-pooling; a remainder that fills no window is dropped.</summary>
public sealed record MaxPoolLayer(int Size) : InferenceLayer;

/// <summary>[N, C, H, W] → [N, C·H·W] in (channel, height, width) order.</summary>
public sealed record FlattenLayer : InferenceLayer;

/// <summary>x Wᵀ + b; weight [outputs, inputs] as libtorch's Linear keeps it.</summary>
public sealed record LinearLayer(TensorValues Weight, TensorValues Bias) : InferenceLayer;
