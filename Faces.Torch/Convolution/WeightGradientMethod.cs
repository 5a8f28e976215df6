namespace Faces.Torch.Convolution;

/// <summary>How <see cref="ExplicitConvolutionFunction"/> computes dE/dW = input ⋆ dE/dY. Both give the same numbers.</summary>
public enum WeightGradientMethod
{
    /// <summary>Pick per shape (see <see cref="ExplicitConvolutionFunction.ChooseWeightGradientMethod"/>).</summary>
    Auto,
    /// <summary>A convolution with the batch and channel axes swapped: the input's channels become the batch, the
    /// examples become channels, and dE/dY is the filter.</summary>
    SwappedAxesConvolution,
    /// <summary>im2col of the padded input (strided views, one copy), then a batched matrix product with dE/dY.</summary>
    Im2ColMatMul,
    /// <summary>A grouped convolution: each example and input channel is a group whose filters are that example's dE/dY.</summary>
    GroupedConvolution,
    /// <summary>SIMD loops in C# over the padded input and dE/dY (5x5 filters, float32 or float64, output width at
    /// least one vector); other shapes fall back to <see cref="Auto"/>'s libtorch choice.</summary>
    DirectSimd,
}
