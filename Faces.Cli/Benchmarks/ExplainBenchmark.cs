using System.Diagnostics;
using Faces.Pipelines.Detection;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// <c>faces benchmark explain</c>: what a saliency map costs per face, next to scoring the same face with the same
/// model, interleaved call by call: one face of the photo, cropped once, then per round one score and one explanation.
/// </summary>
internal static class ExplainBenchmark
{
    public static bool Run(TextWriter output, IReadOnlyList<string> modelPaths, string photoPath, int rounds)
    {
        using var detector = new FaceDetector();
        using var gray = FaceDetector.ReadGray(photoPath);
        var boxes = detector.Detect(gray);
        if (boxes.Count == 0)
        {
            output.WriteLine($"No face found in {Path.GetFileName(photoPath)}.");
            return false;
        }
        output.WriteLine($"One face of {Path.GetFileName(photoPath)}, {rounds} rounds after 5 warm-up calls, libtorch threads {Faces.Torch.TorchEnvironment.Threads}; " +
                         "ms per face, p50 / p99.");
        output.WriteLine($"{"model",-28} {"provenance",-14} {"score",16} {"explain",16} {"explain ÷ score",16}");
        foreach (var path in modelPaths)
        {
            var model = ExpressionModel.Load(new Microsoft.ML.MLContext(1), path);
            if (!model.CanExplain)
            {
                output.WriteLine($"{Path.GetFileName(path),-28} has no network to explain (a mixture model).");
                return false;
            }
            var face = new[] { FaceDetector.FacePixels(gray, boxes[0], model.Side, model.Side) };
            var scores = model.Score(face);
            var classes = new[] { Array.IndexOf(scores[0], scores[0].Max()) };
            for (int i = 0; i < 5; i++)
            {
                model.Score(face);
                model.Explain(face, classes);
            }
            var scoring = new List<double>();
            var explaining = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                model.Score(face);
                scoring.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                model.Explain(face, classes);
                explaining.Add(clock.Elapsed.TotalMilliseconds);
            }
            string Pair(List<double> v) => $"{Timing.Percentile(v, 0.5):F2} / {Timing.Percentile(v, 0.99):F2}";
            output.WriteLine($"{Path.GetFileName(path),-28} {model.Provenance?.Model ?? "?",-14} {Pair(scoring),16} {Pair(explaining),16} " +
                             $"{Timing.Percentile(explaining, 0.5) / Timing.Percentile(scoring, 0.5),15:F1}x");
        }
        return true;
    }
}
