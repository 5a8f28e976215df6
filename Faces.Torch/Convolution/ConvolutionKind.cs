namespace Faces.Torch.Convolution;

/// <summary>Which convolution a CNN layer runs.</summary>
public enum ConvolutionKind
{
    /// <summary><see cref="ExplicitConvolutionFunction"/>: Faces' own backward (the default).</summary>
    Explicit,
    /// <summary>TorchSharp's conv2d and its built-in backward, for comparison.</summary>
    Native,
}
