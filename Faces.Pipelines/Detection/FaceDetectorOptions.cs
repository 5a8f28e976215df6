namespace Faces.Pipelines.Detection;

/// <summary>
/// Settings of <see cref="FaceDetector"/>: OpenCV's Haar cascade search (after histogram equalisation) and the
/// margin added around each box. Every default is in <see cref="FaceDetectorDefaults"/>.
/// </summary>
public sealed record FaceDetectorOptions
{
    /// <summary>How much the search window grows between scales (<see cref="FaceDetectorDefaults.ScaleFactor"/>).</summary>
    public double ScaleFactor { get; init; } = FaceDetectorDefaults.ScaleFactor;
    /// <summary>Overlapping detections a face needs to count (fewer: more faces and more false boxes; <see cref="FaceDetectorDefaults.MinNeighbors"/>).</summary>
    public int MinNeighbors { get; init; } = FaceDetectorDefaults.MinNeighbors;
    /// <summary>The smallest face side searched for, in pixels (<see cref="FaceDetectorDefaults.MinSize"/>).</summary>
    public int MinSize { get; init; } = FaceDetectorDefaults.MinSize;
    /// <summary>The largest face side searched for, in pixels; 0 for no limit (<see cref="FaceDetectorDefaults.MaxSize"/>).</summary>
    public int MaxSize { get; init; } = FaceDetectorDefaults.MaxSize;
    /// <summary>Fraction of the box's side added on every side of it, clipped to the image (<see cref="FaceDetectorDefaults.Margin"/>).</summary>
    public double Margin { get; init; } = FaceDetectorDefaults.Margin;
    /// <summary>
    /// Search a copy whose longer side is at most this many pixels (boxes are mapped back to the full image); 0
    /// searches the image as it is (<see cref="FaceDetectorDefaults.SearchSide"/>). Faster on large photos — the search
    /// cost grows with the pixel count — at the price of faces smaller than MinSize × (longer side / this) in the original.
    /// </summary>
    public int SearchSide { get; init; } = FaceDetectorDefaults.SearchSide;
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
