using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Faces.Cli.Serving;
using Faces.Pipelines.Detection;
using OpenCvSharp;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// <c>faces benchmark live</c>: viewers stream a 640x480 JPEG over <c>/api/live</c> on loopback as the page does —
/// up to 15 frames a second, never more than two waiting for an answer — for a bounded time per viewer count: answered
/// frames per second per viewer, frame-to-answer latency p50/p99, frames the server dropped, and this process's RSS
/// sampled every 10 s (the server runs in it).
/// </summary>
internal static class LiveBenchmark
{
    private const double OfferedFps = 15;
    private const int MaxWaiting = 2;

    public static bool Run(TextWriter output, string modelPath, string photoPath, int seconds, IReadOnlyList<int> viewerCounts, FaceDetectorOptions detection)
    {
        byte[] frame = BenchmarkPhotos.Jpeg640x480(photoPath, quality: 85);
        output.WriteLine($"faces serve /api/live, {Path.GetFileName(modelPath)}, {Path.GetFileName(photoPath)} resized to 640x480 JPEG ({frame.Length / 1024} KB), " +
                         $"{Environment.ProcessorCount} cores; {seconds} s per viewer count; each viewer offers {OfferedFps} frames/s, at most {MaxWaiting} unanswered.");
        output.WriteLine($"detection: scale factor {detection.ScaleFactor}, min face {detection.MinSize} px, search side {(detection.SearchSide > 0 ? detection.SearchSide + " px" : "full image")}.");
        var app = FacesServer.Build(new ServeOptions { ModelPath = modelPath, Urls = "http://127.0.0.1:0", Watch = false, Detector = detection });
        app.StartAsync().GetAwaiter().GetResult();
        using var process = Process.GetCurrentProcess();
        bool ok = true;
        try
        {
            var address = new Uri(app.Urls.First().Replace("http://", "ws://", StringComparison.Ordinal) + "/api/live");
            Stream(address, frame, 1, 3).GetAwaiter().GetResult(); // warm-up
            output.WriteLine($"{"viewers",8} {"fps/viewer",11} {"fps total",10} {"p50 ms",8} {"p99 ms",8} {"dropped",8} {"errors",7}  RSS MB every 10 s");
            foreach (int viewers in viewerCounts)
            {
                var rss = new List<long>();
                using var sampling = new Timer(_ =>
                {
                    process.Refresh();
                    lock (rss) rss.Add(process.WorkingSet64 / (1024 * 1024));
                }, null, TimeSpan.Zero, TimeSpan.FromSeconds(10));
                var results = Stream(address, frame, viewers, seconds).GetAwaiter().GetResult();
                var latencies = results.SelectMany(r => r.Latencies).ToList();
                double total = results.Sum(r => r.Latencies.Count) / (double)seconds;
                int errors = results.Sum(r => r.Errors);
                output.WriteLine($"{viewers,8} {total / viewers,11:F1} {total,10:F1} {Timing.Percentile(latencies, 0.5),8:F0} {Timing.Percentile(latencies, 0.99),8:F0} " +
                                 $"{results.Sum(r => r.Dropped),8} {errors,7}  {string.Join(" ", rss)}");
                ok &= errors == 0 && latencies.Count > 0;
            }
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
        }
        return ok;
    }

    private sealed record ViewerResult(List<double> Latencies, long Dropped, int Errors);

    private static async Task<ViewerResult[]> Stream(Uri address, byte[] frame, int viewers, int seconds) =>
        await Task.WhenAll(Enumerable.Range(0, viewers).Select(_ => Task.Run(() => Viewer(address, frame, seconds))));

    private static async Task<ViewerResult> Viewer(Uri address, byte[] frame, int seconds)
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(address, CancellationToken.None);
        var sent = new Dictionary<long, TimeSpan>();
        var latencies = new List<double>();
        long dropped = 0, number = 0;
        int errors = 0;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var receiving = Task.Run(async () =>
        {
            var buffer = new byte[1 << 20];
            while (true)
            {
                int length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close) return;
                var answer = JsonDocument.Parse(buffer.AsMemory(0, length)).RootElement;
                long answered = answer.GetProperty("frame").GetInt64();
                lock (sent)
                {
                    if (answer.TryGetProperty("error", out _)) errors++;
                    else if (clock.Elapsed < deadline) latencies.Add((clock.Elapsed - sent[answered]).TotalMilliseconds);
                    foreach (var older in sent.Keys.Where(k => k <= answered).ToList()) sent.Remove(older);
                    if (answer.TryGetProperty("dropped", out var d)) dropped = d.GetInt64();
                }
            }
        });
        var interval = TimeSpan.FromSeconds(1 / OfferedFps);
        var next = TimeSpan.Zero;
        while (clock.Elapsed < deadline)
        {
            bool room;
            lock (sent) room = sent.Count < MaxWaiting;
            if (room)
            {
                lock (sent) sent[++number] = clock.Elapsed;
                await socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);
            }
            next += interval;
            var wait = next - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
        }
        // Let the answers in flight come back, then close.
        for (int i = 0; i < 100; i++)
        {
            lock (sent) if (sent.Count == 0) break;
            await Task.Delay(20);
        }
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await receiving;
        return new ViewerResult(latencies, dropped, errors);
    }
}
