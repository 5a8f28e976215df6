namespace Faces.Cli.Serving;

/// <summary>What <c>faces serve</c> runs with; every default is in <see cref="ServeDefaults"/>.</summary>
internal sealed record ServeOptions
{
    public required string ModelPath { get; init; }
    /// <summary>Where to listen; loopback by default.</summary>
    public string Urls { get; init; } = ServeDefaults.Urls;
    /// <summary>Host header values accepted, separated by ';' ("*" for any); <see cref="ServeDefaults.AllowedHosts"/> by default.</summary>
    public string AllowedHosts { get; init; } = ServeDefaults.AllowedHosts;
    /// <summary>The largest upload accepted, in MB (413 above it).</summary>
    public int MaxUploadMegabytes { get; init; } = ServeDefaults.MaxUploadMegabytes;
    /// <summary>The largest photo accepted, in pixels (400 above it), checked from the header before decoding.</summary>
    public long MaxImagePixels { get; init; } = ServeDefaults.MaxImagePixels;
    /// <summary>The longer side photos are reduced to while decoding; 0 decodes at full size.</summary>
    public int DecodeSide { get; init; } = ServeDefaults.DecodeSide;
    /// <summary>Requests being read or worked on at once (503 beyond).</summary>
    public int MaxRequestsInFlight { get; init; } = ServeDefaults.MaxRequestsInFlight;
    /// <summary>Upload bytes held across all requests, in MB (503 beyond).</summary>
    public int MaxBufferedMegabytes { get; init; } = ServeDefaults.MaxBufferedMegabytes;
    /// <summary>Seconds an upload may send nothing before it is closed.</summary>
    public int BodyIdleSeconds { get; init; } = ServeDefaults.BodyIdleSeconds;
    /// <summary>Seconds an upload may take in all.</summary>
    public int BodySeconds { get; init; } = ServeDefaults.BodySeconds;
    /// <summary>Seconds decoding, searching and scoring one photo may take (503 beyond).</summary>
    public int WorkSeconds { get; init; } = ServeDefaults.WorkSeconds;
    /// <summary>Live camera streams (<c>/api/live</c>) open at once (503 beyond).</summary>
    public int MaxLiveViewers { get; init; } = ServeDefaults.MaxLiveViewers;
    /// <summary>Seconds a live stream may send no frame before it is closed.</summary>
    public int LiveIdleSeconds { get; init; } = ServeDefaults.LiveIdleSeconds;
    public Faces.Pipelines.Detection.FaceDetectorOptions Detector { get; init; } = new();
    /// <summary>Reload the model when its file changes. Default true.</summary>
    public bool Watch { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (MaxUploadMegabytes < 1) throw new ArgumentException($"MaxUploadMegabytes must be at least 1; got {MaxUploadMegabytes}.");
        if (MaxImagePixels < 1) throw new ArgumentException($"MaxImagePixels must be at least 1; got {MaxImagePixels}.");
        if (DecodeSide < 0 || (DecodeSide > 0 && DecodeSide < 48)) throw new ArgumentException($"DecodeSide must be 0 or at least 48; got {DecodeSide}.");
        if (MaxRequestsInFlight < 1) throw new ArgumentException($"MaxRequestsInFlight must be at least 1; got {MaxRequestsInFlight}.");
        if (MaxBufferedMegabytes < MaxUploadMegabytes) throw new ArgumentException($"MaxBufferedMegabytes ({MaxBufferedMegabytes}) must be at least MaxUploadMegabytes ({MaxUploadMegabytes}).");
        if (BodyIdleSeconds < 1 || BodySeconds < BodyIdleSeconds) throw new ArgumentException($"Need 1 ≤ BodyIdleSeconds ≤ BodySeconds; got {BodyIdleSeconds} and {BodySeconds}.");
        if (MaxLiveViewers < 1) throw new ArgumentException($"MaxLiveViewers must be at least 1; got {MaxLiveViewers}.");
        if (LiveIdleSeconds < 1) throw new ArgumentException($"LiveIdleSeconds must be at least 1; got {LiveIdleSeconds}.");
        if (WorkSeconds < 1) throw new ArgumentException($"WorkSeconds must be at least 1; got {WorkSeconds}.");
        if (string.IsNullOrWhiteSpace(AllowedHosts)) throw new ArgumentException("AllowedHosts must name at least one host (or '*').");
    }
}
