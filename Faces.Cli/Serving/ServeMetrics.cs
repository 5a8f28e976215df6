using Microsoft.AspNetCore.Http;
using Prometheus;

namespace Faces.Cli.Serving;

/// <summary>
/// What <c>GET /metrics</c> shows operators, in Prometheus' text format: requests by status, seconds per stage
/// (decode, detect, score) and in all, faces per photo (live frames included), model reloads, live viewers and live
/// frames by outcome. One registry per server (not prometheus-net's
/// process-wide default), so two servers in one process — the tests' — count apart.
/// </summary>
internal sealed class ServeMetrics
{
    private readonly Counter requests;
    private readonly Histogram stages;
    private readonly Histogram total;
    private readonly Histogram faces;
    private readonly Counter reloads;
    private readonly Gauge viewers;
    private readonly Counter liveFrames;

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public ServeMetrics()
    {
        var factory = Metrics.WithCustomRegistry(Registry);
        // 1 ms to about 16 s, doubling: a score of one face is ~1 ms, a large photo's decode seconds.
        var seconds = Histogram.ExponentialBuckets(0.001, 2, 15);
        requests = factory.CreateCounter("faces_requests_total", "Photo requests (POST /api/predict) by HTTP status.",
            new CounterConfiguration { LabelNames = new[] { "status" } });
        stages = factory.CreateHistogram("faces_stage_seconds", "Seconds per stage of a photo that was processed: decode, detect, score.",
            new HistogramConfiguration { LabelNames = new[] { "stage" }, Buckets = seconds });
        total = factory.CreateHistogram("faces_request_seconds", "Seconds from the first byte read to the answer, for photos processed.",
            new HistogramConfiguration { Buckets = seconds });
        faces = factory.CreateHistogram("faces_faces_per_request", "Faces found per photo processed.",
            new HistogramConfiguration { Buckets = new double[] { 0, 1, 2, 3, 5, 10, 20, 50 } });
        reloads = factory.CreateCounter("faces_model_reloads_total", "Model reloads after the file changed, by result (served or failed).",
            new CounterConfiguration { LabelNames = new[] { "result" } });
        viewers = factory.CreateGauge("faces_live_viewers", "Live camera streams (/api/live) open now.");
        liveFrames = factory.CreateCounter("faces_live_frames_total",
            "Live frames by outcome: answered, dropped (a newer frame arrived before a core was free) or unreadable.",
            new CounterConfiguration { LabelNames = new[] { "result" } });
    }

    public void Request(int status) => requests.WithLabels(status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();

    public void Processed(double decodeMs, double detectMs, double scoreMs, double totalMs, int faceCount)
    {
        stages.WithLabels("decode").Observe(decodeMs / 1000);
        stages.WithLabels("detect").Observe(detectMs / 1000);
        stages.WithLabels("score").Observe(scoreMs / 1000);
        total.Observe(totalMs / 1000);
        faces.Observe(faceCount);
    }

    public void LiveViewers(int change) => viewers.Inc(change);

    public void LiveFrame(string result) => liveFrames.WithLabels(result).Inc();

    public void Reloaded(bool served) => reloads.WithLabels(served ? "served" : "failed").Inc();

    /// <summary>Writes every metric in Prometheus' text format.</summary>
    public async Task Write(HttpContext context)
    {
        context.Response.ContentType = PrometheusConstants.TextContentTypeWithVersionAndEncoding;
        await Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
