namespace Faces.Pipelines.Imaging;

/// <summary>The shape of one example: height × width pixels × channels, flattened channel-major.</summary>
public sealed record ImageShape(int Height, int Width, int Channels = 1)
{
    /// <summary>The side of a face in TFD and FER2013, and of the models Faces trains on them: 48 pixels.</summary>
    public const int FaceSide = 48;

    /// <summary>TFD/FER2013: 48x48 grayscale.</summary>
    public static ImageShape Faces48 { get; } = new(FaceSide, FaceSide);

    /// <summary>Values per example.</summary>
    public int Size => Height * Width * Channels;

    /// <inheritdoc />
    public override string ToString() => Channels == 1 ? $"{Height}x{Width}" : $"{Height}x{Width}x{Channels}";
}
