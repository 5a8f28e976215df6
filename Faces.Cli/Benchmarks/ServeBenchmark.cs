using System.Diagnostics;
using System.Net.Http.Headers;
using Faces.Pipelines.Detection;
using Faces.Cli.Serving;
using OpenCvSharp;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// <c>faces benchmark serve</c>: the server on a loopback port under 1, 8 and 32 concurrent clients, each for a bounded
/// time: requests/s, p50/p99 latency, errors, and this process's RSS before and after; next to the ceiling — the same
/// work (read, detect, score) done in-process by as many threads as cores, without HTTP.
/// </summary>
internal static class ServeBenchmark
{
    public static bool Run(TextWriter output, string modelPath, string photoPath, int seconds, IReadOnlyList<int> clientCounts, FaceDetectorOptions detection)
    {
        // The goal is stated for a 640x480 photo: the given photo, resized to that.
        byte[] photo = BenchmarkPhotos.Jpeg640x480(photoPath, quality: 90);
        using var process = Process.GetCurrentProcess();
        output.WriteLine($"faces serve, {Path.GetFileName(modelPath)}, {Path.GetFileName(photoPath)} resized to 640x480 JPEG ({photo.Length / 1024} KB), " +
                         $"{Environment.ProcessorCount} cores; {seconds} s per client count; loopback HTTP, multipart upload.");

        output.WriteLine($"detection: scale factor {detection.ScaleFactor}, min face {detection.MinSize} px, search side {(detection.SearchSide > 0 ? detection.SearchSide + " px" : "full image")}.");
        double ceiling = InProcess(modelPath, photo, seconds, detection);
        output.WriteLine($"ceiling (in-process, {Environment.ProcessorCount} threads, read + detect + score, no HTTP): {ceiling:F1} photos/s");

        var app = FacesServer.Build(new ServeOptions { ModelPath = modelPath, Urls = "http://127.0.0.1:0", Watch = false, Detector = detection });
        app.StartAsync().GetAwaiter().GetResult();
        bool ok = true;
        try
        {
            var address = new Uri(app.Urls.First());
            using var warm = new HttpClient { BaseAddress = address };
            for (int i = 0; i < 5; i++) warm.PostAsync("/api/predict", Form(photo)).GetAwaiter().GetResult().EnsureSuccessStatusCode();
            process.Refresh();
            long rssStart = process.WorkingSet64;
            output.WriteLine($"{"clients",8} {"req/s",8} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"of ceiling",11}");
            foreach (int clients in clientCounts)
            {
                var (latencies, errors, elapsed) = Load(address, photo, clients, seconds);
                var sorted = latencies.OrderBy(v => v).ToList();
                double rps = sorted.Count / elapsed;
                output.WriteLine($"{clients,8} {rps,8:F1} {Timing.Percentile(sorted, 0.5),8:F1} {Timing.Percentile(sorted, 0.99),8:F1} {errors,7} {rps / ceiling,10:P0}");
                ok &= errors == 0;
            }
            process.Refresh();
            output.WriteLine($"RSS: {rssStart / (1024 * 1024)} MB after warm-up, {process.WorkingSet64 / (1024 * 1024)} MB at the end.");
        }
        finally
        {
            app.StopAsync().GetAwaiter().GetResult();
        }
        return ok;
    }

    private static MultipartFormDataContent Form(byte[] photo)
    {
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        return new MultipartFormDataContent { { file, "image", "photo.jpg" } };
    }

    private static (List<double> Latencies, int Errors, double Seconds) Load(Uri address, byte[] photo, int clients, int seconds)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var latencies = new List<double>();
        int errors = 0;
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < deadline)
            {
                var start = clock.Elapsed;
                try
                {
                    using var response = await http.PostAsync("/api/predict", Form(photo));
                    await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                lock (latencies) latencies.Add((clock.Elapsed - start).TotalMilliseconds);
            }
        })).ToArray();
        Task.WaitAll(workers);
        return (latencies, errors, clock.Elapsed.TotalSeconds);
    }

    private static double InProcess(string modelPath, byte[] photo, int seconds, FaceDetectorOptions detection)
    {
        var model = ExpressionModel.Load(new Microsoft.ML.MLContext(1), modelPath);
        using var detector = new FaceDetector(detection);
        using var recognizer = new ExpressionRecognizer(model, detector);
        string file = Path.Combine(Path.GetTempPath(), $"faces-serve-bench-{Environment.ProcessId}.jpg");
        File.WriteAllBytes(file, photo);
        try
        {
            int done = 0;
            var clock = Stopwatch.StartNew();
            Parallel.For(0, Environment.ProcessorCount, _ =>
            {
                while (clock.Elapsed.TotalSeconds < seconds)
                {
                    using var gray = FaceDetector.ReadGray(file);
                    recognizer.Recognize(gray, detector.Detect(gray));
                    Interlocked.Increment(ref done);
                }
            });
            return done / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            File.Delete(file);
        }
    }

}
