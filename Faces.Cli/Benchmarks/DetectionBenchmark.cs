using System.Diagnostics;
using System.Globalization;
using Faces.Pipelines.Detection;
using Faces.MLNet.Networks;
using Faces.Pipelines.Data;
using OpenCvSharp;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// Face detection speed: Faces' <see cref="FaceDetector"/> against OpenCV's own cascade search from Python (Debian's
/// python3-opencv), the same cascade and settings, interleaved round by round; and, with a model, the latency of
/// photo → expressions (<see cref="ExpressionRecognizer.Recognize(string, bool)"/>: read, detect, crop, score) and of one
/// face's scoring, with each engine that can score the model.
/// </summary>
internal static class DetectionBenchmark
{
    public static bool Run(TextWriter output, string photo, string? modelPath, FaceDetectorOptions options, int rounds = 5, int repeats = 10)
    {
        using var detector = new FaceDetector(options);
        using var gray = FaceDetector.ReadGray(photo);
        double megapixels = gray.Width * (double)gray.Height / 1e6;
        string work = Directory.CreateTempSubdirectory("faces-detect-bench-").FullName;
        try
        {
            // The peer reads the same cascade the detector embeds.
            string cascade = Path.Combine(work, "cascade.xml");
            using (var resource = typeof(FaceDetector).Assembly.GetManifestResourceStream("Faces.Pipelines.Detection.haarcascade_frontalface_default.xml")!)
            using (var file = File.Create(cascade))
                resource.CopyTo(file);

            output.WriteLine($"Face detection, {Path.GetFileName(photo)} {gray.Width}x{gray.Height} ({megapixels:F2} MP), Haar frontal-face cascade, " +
                             $"scale factor {options.ScaleFactor}, {options.MinNeighbors} neighbours, min face {options.MinSize} px, " +
                             $"search side {(options.SearchSide > 0 ? options.SearchSide + " px" : "full image")}; OpenCV threads here: {Cv2.GetNumThreads()}.");
            output.WriteLine($"Timed: histogram equalisation + cascade search on the grayscale image (decoding outside); median of {repeats} per round, {rounds} interleaved rounds.");
            var ours = new List<double>();
            var peer = new List<double>();
            int found = detector.Detect(gray).Count;
            string? peerInfo = null;
            for (int round = 0; round < rounds; round++)
            {
                var samples = new List<double>();
                for (int i = 0; i < repeats; i++)
                {
                    var clock = Stopwatch.StartNew();
                    detector.Detect(gray);
                    samples.Add(clock.Elapsed.TotalSeconds);
                }
                ours.Add(Timing.Median(samples));
                string? stdout = PythonPeer.Run(output, "detect_peer.py", work, new[]
                {
                    photo, cascade, options.ScaleFactor.ToString(CultureInfo.InvariantCulture), options.MinNeighbors.ToString(CultureInfo.InvariantCulture),
                    options.MinSize.ToString(CultureInfo.InvariantCulture), repeats.ToString(CultureInfo.InvariantCulture),
                    options.SearchSide.ToString(CultureInfo.InvariantCulture),
                }, "OpenCV (Python)", "python3-opencv");
                if (stdout == null) break;
                var fields = stdout.Trim().Split(' ');
                peer.Add(double.Parse(fields[0], CultureInfo.InvariantCulture));
                peerInfo = $"{fields[1]} face(s), {fields[2]} threads, OpenCV {fields[3]}";
            }
            string Spread(List<double> s) => $"{Timing.Median(s) * 1000:F1} ms (min {s.Min() * 1000:F1}, max {s.Max() * 1000:F1})";
            output.WriteLine($"Faces (OpenCvSharp, OpenCV {Cv2.GetVersionString()}): {Spread(ours)} per detection, " +
                             $"{Timing.Median(ours) * 1000 / megapixels:F1} ms per megapixel; {found} face(s)");
            if (peer.Count == rounds)
            {
                output.WriteLine($"Python peer ({peerInfo}): {Spread(peer)} per detection, {Timing.Median(peer) * 1000 / megapixels:F1} ms per megapixel");
                var ratios = ours.Zip(peer, (a, b) => a / b).ToList();
                output.WriteLine($"ratio Faces / peer: {Timing.Median(ratios):F2}x (min {ratios.Min():F2}, max {ratios.Max():F2})");
            }
            if (modelPath != null)
            {
                using var recognizer = new ExpressionRecognizer(new Microsoft.ML.MLContext(1), modelPath, detector);
                recognizer.Recognize(photo);
                var latency = SortedSeconds(repeats * rounds, () => recognizer.Recognize(photo));
                output.WriteLine($"Photo → expressions with {Path.GetFileName(modelPath)} (decode, detect, crop, score every face): " +
                                 $"p50 {latency[latency.Count / 2] * 1000:F1} ms, p99 {latency[(int)(latency.Count * 0.99)] * 1000:F1} ms over {latency.Count} calls");
                // One face's scoring alone: as faces predict and faces serve do it (one batched Transform of the crop),
                // and through a PredictionEngine; for a network, with each scoring engine.
                var served = recognizer.Model;
                var box = detector.Detect(gray).FirstOrDefault() ?? new FaceBox(0, 0, gray.Width, gray.Height, 0);
                var face = new[] { FaceDetector.FacePixels(gray, box, served.Side, served.Side) };
                var network = ModelSteps.Networks(served.Model).FirstOrDefault();
                var chosen = network?.Engine;
                // The model's own engine first, then every other one that can score it.
                var engines = network == null ? new ScoringEngine?[] { null }
                    : Enum.GetValues<ScoringEngine>().Where(e => e != ScoringEngine.OnnxRuntime || network.OnnxRefusal == null)
                        .OrderBy(e => e != chosen).Cast<ScoringEngine?>().ToArray();
                var row = new FeatureRow { Features = face[0] };
                var predictions = new Microsoft.ML.MLContext(1).Model.CreatePredictionEngine<FeatureRow, ScoreRow>(served.Model, inputSchemaDefinition: FeatureRow.Definition(face[0].Length));
                foreach (var engine in engines)
                {
                    if (engine is { } e) network!.Engine = e;
                    string by = engine is { } named ? $", scored by {named}{(named == chosen ? " (the model's default)" : "")}" : "";
                    for (int i = 0; i < 20; i++) served.Score(face);
                    var scoring = SortedSeconds(repeats * rounds * 10, () => served.Score(face));
                    output.WriteLine($"One face scored by the model's Transform (the crop made){by}: {Percentiles(scoring)}, {Torch.TorchEnvironment.Threads} libtorch thread(s)");
                    for (int i = 0; i < 20; i++) predictions.Predict(row);
                    var predicting = SortedSeconds(repeats * rounds * 10, () => predictions.Predict(row));
                    output.WriteLine($"One face scored by a PredictionEngine{by}: {Percentiles(predicting)}");
                }
                if (chosen is { } restored) network!.Engine = restored;
            }
            return peer.Count == rounds;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    private static string Percentiles(List<double> sorted) =>
        $"p50 {sorted[sorted.Count / 2] * 1000:F2} ms, p99 {sorted[(int)(sorted.Count * 0.99)] * 1000:F2} ms over {sorted.Count} calls";

    /// <summary>Seconds of <paramref name="count"/> calls of <paramref name="call"/>, one at a time, in increasing order.</summary>
    private static List<double> SortedSeconds(int count, Action call) => Enumerable.Range(0, count).Select(_ =>
    {
        var clock = Stopwatch.StartNew();
        call();
        return clock.Elapsed.TotalSeconds;
    }).OrderBy(v => v).ToList();
}
