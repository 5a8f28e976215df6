namespace Faces.Pipelines.Detection;

/// <summary>
/// Settings of <see cref="FaceDetector"/>: OpenCV's Haar cascade search (after histogram equalisation) and the
/// margin added around each box. Defaults: scale factor 1.1 (OpenCV's; 1.2 is about twice as fast but skipped
/// faces between its scales in the tests), 5 neighbours, faces of 30 pixels and more, 10% margin.
/// </summary>
public sealed record FaceDetectorOptions
{
    /// <summary>How much the search window grows between scales. Default 1.1.</summary>
    public double ScaleFactor { get; init; } = 1.1;
    /// <summary>Overlapping detections a face needs to count (fewer: more faces and more false boxes). Default 5.</summary>
    public int MinNeighbors { get; init; } = 5;
    /// <summary>The smallest face side searched for, in pixels. Default 30.</summary>
    public int MinSize { get; init; } = 30;
    /// <summary>The largest face side searched for, in pixels; 0 (default) for no limit.</summary>
    public int MaxSize { get; init; }
    /// <summary>Fraction of the box's side added on every side of it (clipped to the image). Default 0.1.</summary>
    public double Margin { get; init; } = 0.1;
    /// <summary>
    /// Search a copy whose longer side is at most this many pixels (boxes are mapped back to the full image); 0
    /// (default) searches the image as it is. Faster on large photos — the search cost grows with the pixel count —
    /// at the price of faces smaller than MinSize × (longer side / this) in the original.
    /// </summary>
    public int SearchSide { get; init; }
    /// <summary>Another cascade XML file instead of the embedded Haar frontal-face one.</summary>
    public string? CascadeFile { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!(ScaleFactor > 1)) throw new ArgumentException($"ScaleFactor must be above 1; got {ScaleFactor}.");
        if (MinNeighbors < 0) throw new ArgumentException($"MinNeighbors must not be negative; got {MinNeighbors}.");
        if (MinSize < 1 || MaxSize < 0 || (MaxSize > 0 && MaxSize < MinSize)) throw new ArgumentException($"Face sizes must satisfy 1 ≤ MinSize ≤ MaxSize (or MaxSize 0); got {MinSize}, {MaxSize}.");
        if (Margin < 0 || Margin > 1) throw new ArgumentException($"Margin must be in [0, 1]; got {Margin}.");
        if (SearchSide < 0 || (SearchSide > 0 && SearchSide < MinSize)) throw new ArgumentException($"SearchSide must be 0 or at least MinSize ({MinSize}); got {SearchSide}.");
    }
}
