namespace Faces.Cli.Serving;

/// <summary>The server's defaults, in one place: <see cref="ServeOptions"/>, <c>faces serve</c>'s options and the docs read them here.</summary>
internal static class ServeDefaults
{
    /// <summary>Where to listen: loopback only.</summary>
    public const string Urls = "http://127.0.0.1:5080";
    /// <summary>Host names accepted in the Host header (DNS-rebinding defence): the loopback names.</summary>
    public const string AllowedHosts = "localhost;127.0.0.1;[::1]";
    /// <summary>The largest upload, in MB: 20.</summary>
    public const int MaxUploadMegabytes = 20;
    /// <summary>
    /// The largest photo accepted, in pixels: 50 million, the largest phone-camera photos (8160x6120) — lower than
    /// the command line's cap, since a server decodes what strangers send.
    /// </summary>
    public const long MaxImagePixels = 50_000_000;
    /// <summary>Photos are decoded reduced so that their longer side is at most this many pixels: 1280.</summary>
    public const int DecodeSide = 1280;
    /// <summary>Requests being read or worked on at once; more get 503 with Retry-After: 64.</summary>
    public const int MaxRequestsInFlight = 64;
    /// <summary>Upload bytes held in memory across all requests, in MB; a request that would pass it gets 503: 160.</summary>
    public const int MaxBufferedMegabytes = 160;
    /// <summary>An upload that sends nothing for this many seconds is closed: 10.</summary>
    public const int BodyIdleSeconds = 10;
    /// <summary>An upload must be complete within this many seconds: 60.</summary>
    public const int BodySeconds = 60;
    /// <summary>Decoding, the face search and scoring must finish within this many seconds (503 otherwise): 10.</summary>
    public const int WorkSeconds = 10;
    /// <summary>
    /// Photos of more pixels than this (16 million) take the heavy lane: at most one fewer at a time than there are
    /// cores, so ordinary photos always find a core free while large ones decode.
    /// </summary>
    public const long HeavyPixels = 16_000_000;
    /// <summary>Live camera streams open at once: 8.</summary>
    public const int MaxLiveViewers = 8;
    /// <summary>A live stream that sends no frame for this many seconds is closed: 30.</summary>
    public const int LiveIdleSeconds = 30;
    /// <summary>Seconds a client is told to wait after a 503: 1.</summary>
    public const int RetryAfterSeconds = 1;
}
