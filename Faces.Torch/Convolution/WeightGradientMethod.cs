namespace Faces.Torch.Convolution;

/// <summary>How <see cref="ExplicitConvolutionFunction"/> computes dE/dW = input ⋆ dE/dY. Both give the same numbers.</summary>
public enum WeightGradientMethod
{
    /// <summary>Pick per shape (see <see cref="ExplicitConvolutionFunction.ChooseWeightGradientMethod"/>).</summary>
    Auto,
    /// <summary>A convolution with the batch and channel axes swapped: the input's channels become the batch, the
    /// examples become channels, and dE/dY is the filter.</summary>
    SwappedAxesConvolution,
    /// <summary>im2col (unfold) of the padded input, then one matrix product with dE/dY.</summary>
    Im2ColMatMul,
}
