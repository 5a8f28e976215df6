namespace Faces.Pipelines.Data;

/// <summary>
/// Where one <see cref="FaceRegion"/> lies in each image of a synthetic dataset: per split, one flag per pixel in the
/// images' row-major order (true inside the region), computed from the same pose and identity that drew the image.
/// </summary>
public sealed record RegionMasks(FaceRegion Region, bool[] Train, bool[] Validation, bool[] Test)
{
    /// <summary>The flags of image <paramref name="index"/> of <paramref name="split"/> (<see cref="Train"/>, <see cref="Validation"/> or <see cref="Test"/>).</summary>
    public ReadOnlySpan<bool> Of(bool[] split, int index, int pixels) => split.AsSpan(index * pixels, pixels);
}
