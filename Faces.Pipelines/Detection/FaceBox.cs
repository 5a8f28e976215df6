namespace Faces.Pipelines.Detection;

/// <summary>A face found in an image: its box in pixels (margin included) and the cascade's confidence (its last stage's weight; higher is surer).</summary>
public sealed record FaceBox(int X, int Y, int Width, int Height, double Score)
{
    /// <summary>Pixel area, for ordering (largest first).</summary>
    public long Area => (long)Width * Height;
}
