namespace Faces.Pipelines.Serving;

/// <summary>What <c>faces serve</c> runs with.</summary>
public sealed record ServeOptions
{
    public required string ModelPath { get; init; }
    /// <summary>Where to listen; loopback by default.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";
    /// <summary>The largest upload accepted, in MB (413 above it). Default 20.</summary>
    public int MaxUploadMegabytes { get; init; } = 20;
    public Detection.FaceDetectorOptions Detector { get; init; } = new();
    /// <summary>Reload the model when its file changes. Default true.</summary>
    public bool Watch { get; init; } = true;
}
