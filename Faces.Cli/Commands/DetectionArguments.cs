using System.CommandLine;
using Faces.Pipelines.Detection;

namespace Faces.Cli.Commands;

/// <summary>The face detector's options; their defaults are <see cref="FaceDetectorOptions"/>'.</summary>
internal sealed class DetectionArguments
{
    public readonly Option<double> ScaleFactor = new("--scale-factor") { Description = "Face search: window growth between scales.", DefaultValueFactory = _ => FaceDetectorDefaults.ScaleFactor };
    public readonly Option<int> MinNeighbors = new("--min-neighbors") { Description = "Face search: overlapping detections a face needs.", DefaultValueFactory = _ => FaceDetectorDefaults.MinNeighbors };
    public readonly Option<int> MinFace = new("--min-face") { Description = "Face search: smallest face side in pixels.", DefaultValueFactory = _ => FaceDetectorDefaults.MinSize };
    public readonly Option<double> Margin = new("--face-margin") { Description = "Fraction of a face box added on each side before cropping.", DefaultValueFactory = _ => FaceDetectorDefaults.Margin };
    public readonly Option<int> SearchSide = new("--search-side") { Description = "Search a copy whose longer side is at most this (0: the image as it is); faster on large photos, misses faces below min-face × (side / this).", DefaultValueFactory = _ => FaceDetectorDefaults.SearchSide };
    public readonly Option<FileInfo?> Cascade = new("--cascade") { Description = "Another OpenCV cascade XML instead of the embedded Haar frontal-face one." };

    public IEnumerable<Option> All => new Option[] { ScaleFactor, MinNeighbors, MinFace, Margin, SearchSide, Cascade };

    public FaceDetectorOptions Read(ParseResult result) => new()
    {
        ScaleFactor = result.GetValue(ScaleFactor), MinNeighbors = result.GetValue(MinNeighbors), MinSize = result.GetValue(MinFace),
        Margin = result.GetValue(Margin), SearchSide = result.GetValue(SearchSide), CascadeFile = result.GetValue(Cascade)?.FullName,
    };
}
