namespace Faces.Torch.Convolution;

/// <summary>Zero padding on each side of a 2-D convolution's input.</summary>
public sealed record ConvolutionPadding(int Top, int Bottom, int Left, int Right)
{
    /// <summary>No padding ('valid'): the output shrinks by filter size − 1.</summary>
    public static ConvolutionPadding Valid { get; } = new(0, 0, 0, 0);

    /// <summary>The same padding on every side.</summary>
    public static ConvolutionPadding Uniform(int p) => new(p, p, p, p);

    /// <summary>
    /// 'same' padding for stride 1: the output has the input's size. For an even filter size the extra row/column
    /// goes at the bottom/right, as PyTorch's padding="same" does.
    /// </summary>
    public static ConvolutionPadding Same(int filterHeight, int filterWidth)
    {
        int top = (filterHeight - 1) / 2, left = (filterWidth - 1) / 2;
        return new ConvolutionPadding(top, filterHeight - 1 - top, left, filterWidth - 1 - left);
    }

    internal bool IsZero => Top == 0 && Bottom == 0 && Left == 0 && Right == 0;
    internal bool IsSymmetric => Top == Bottom && Left == Right;

    /// <summary>The order torch.nn.functional.pad takes for the last two dimensions.</summary>
    public long[] ForPad => new long[] { Left, Right, Top, Bottom };
}
