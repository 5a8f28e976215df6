namespace Faces.Pipelines.Detection;

/// <summary>The face detector's defaults, in one place: <see cref="FaceDetectorOptions"/> and the command line read them.</summary>
public static class FaceDetectorDefaults
{
    /// <summary>How much the search window grows between scales: 1.1, OpenCV's (1.2 is about twice as fast but skipped faces between its scales in the tests).</summary>
    public const double ScaleFactor = 1.1;
    /// <summary>Overlapping detections a face needs: 5.</summary>
    public const int MinNeighbors = 5;
    /// <summary>The smallest face side searched for: 30 pixels.</summary>
    public const int MinSize = 30;
    /// <summary>The largest face side searched for: 0, no limit.</summary>
    public const int MaxSize = 0;
    /// <summary>Margin added on every side of a box: 10% of its side.</summary>
    public const double Margin = 0.1;
    /// <summary>Longer side of the searched copy: 0, the image as it is.</summary>
    public const int SearchSide = 0;
}
