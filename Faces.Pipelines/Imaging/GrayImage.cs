namespace Faces.Pipelines.Imaging;

/// <summary>
/// A photo decoded to 8-bit grayscale in its upright frame (the EXIF orientation applied), possibly reduced:
/// <see cref="Width"/>×<see cref="Height"/> pixels, row after row, standing for a <see cref="SourceWidth"/>×<see cref="SourceHeight"/>
/// photo. Boxes found in the pixels map back to the photo through <see cref="ToSource"/>.
/// </summary>
public sealed record GrayImage(byte[] Pixels, int Width, int Height, int SourceWidth, int SourceHeight)
{
    /// <summary>How many photo pixels one decoded pixel spans along each side (1 when nothing was reduced).</summary>
    public double Scale => SourceWidth / (double)Width;

    /// <summary>A length or coordinate in decoded pixels as photo pixels.</summary>
    public int ToSource(double value) => (int)Math.Round(value * Scale);
}
