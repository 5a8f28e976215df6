using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Reports;
using Faces.Pipelines.Training;
using Faces.Torch.IO;
using Faces.Torch.Training;
using Microsoft.ML;

namespace Faces.Pipelines.Experiments;

/// <summary>
/// Runs the study's sweeps (<see cref="StudySweeps"/>) and writes one section per sweep: a figure of every point's
/// validation curves, a table of Faces' numbers next to the study's, and which point won on validation against the
/// study's finding. Each run's result is cached in the output folder under a hash of the data and the settings, written
/// atomically: an interrupted reproduction resumes, and a cache made with other settings is never reused.
/// </summary>
public static class Reproduction
{
    /// <summary>One finished run, as cached.</summary>
    public sealed record RunResult(IReadOnlyList<EpochRecord> Curve, double[] Accuracy, double[] CrossEntropy, double Seconds);

    /// <summary>Runs (or reuses) every point; returns the number trained and the number reused.</summary>
    public static (int Trained, int Reused) Execute(MLContext ml, FaceDataset data, IReadOnlyList<StudySweeps.Sweep> sweeps, string folder, StringBuilder markdown,
        Action<string>? runStarted = null, Action<string, int>? epochDone = null)
    {
        string cache = Path.Combine(folder, "cache");
        Directory.CreateDirectory(cache);
        string fingerprint = DataFingerprint.Of(data);
        int trained = 0, reused = 0, figure = 0;
        markdown.AppendLine("## The study's sweeps (sections 3.2–3.3)").AppendLine();
        markdown.AppendLine($"Each sweep changes one setting from the study's defaults; every point is trained on {data.Source}. " +
                            "The study's numbers are on TFD: compare the orderings, not the values, unless this is TFD.").AppendLine();
        foreach (var sweep in sweeps)
        {
            var results = new List<(StudySweeps.Point Point, RunResult Result)>();
            foreach (var point in sweep.Points)
            {
                string key = Key(fingerprint, point.Settings);
                string file = Path.Combine(cache, key + ".json");
                RunResult? result = null;
                if (File.Exists(file))
                {
                    try
                    {
                        result = JsonSerializer.Deserialize<RunResult>(File.ReadAllText(file));
                    }
                    catch (JsonException)
                    {
                        result = null; // a damaged entry is run again
                    }
                }
                if (result != null)
                {
                    reused++;
                }
                else
                {
                    runStarted?.Invoke($"{sweep.Title}: {point.Label}");
                    var model = new FacesModelTrainer(ml).Train(data, point.Settings, r => epochDone?.Invoke(point.Label, r.Epoch));
                    var splits = data.Splits.Select(s => ModelEvaluator.Evaluate(ml, model.Model, data, s)).ToList();
                    result = new RunResult(model.LearningCurve, splits.Select(s => s.MicroAccuracy).ToArray(), splits.Select(s => s.LogLoss).ToArray(), model.TrainSeconds);
                    AtomicFile.Write(file, (Stream stream) => JsonSerializer.Serialize(stream, result));
                    trained++;
                }
                results.Add((point, result));
            }
            Section(markdown, folder, ++figure, sweep, results);
        }
        return (trained, reused);
    }

    /// <summary>The cache key: the data's fingerprint and the settings records, hashed.</summary>
    public static string Key(string fingerprint, TrainSettings settings) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint + "\n" + JsonSerializer.Serialize(new
        {
            settings.Model, settings.Normalization, Training = settings.NetworkTraining, settings.Architecture, settings.Mixture,
        }))))[..32];

    private static void Section(StringBuilder md, string folder, int figure, StudySweeps.Sweep sweep, List<(StudySweeps.Point Point, RunResult Result)> results)
    {
        md.AppendLine($"### {sweep.Section} {sweep.Title}").AppendLine();
        string accuracy = $"sweep-{figure}-accuracy.png", entropy = $"sweep-{figure}-ce.png";
        Plots.Lines(Path.Combine(folder, accuracy), $"{sweep.Title}: accuracy (solid: validation, dashed: train)", "epoch", "accuracy",
            results.SelectMany(r => new[]
            {
                ($"{r.Point.Label} valid", (IReadOnlyList<(double, double)>)r.Result.Curve.Where(e => e.ValidationAccuracy != null).Select(e => ((double)e.Epoch, e.ValidationAccuracy!.Value)).ToList()),
                ($"{r.Point.Label} train", (IReadOnlyList<(double, double)>)r.Result.Curve.Where(e => e.TrainAccuracy != null).Select(e => ((double)e.Epoch, e.TrainAccuracy!.Value)).ToList()),
            }).ToList());
        Plots.Lines(Path.Combine(folder, entropy), $"{sweep.Title}: cross-entropy", "epoch", "cross-entropy",
            results.SelectMany(r => new[]
            {
                ($"{r.Point.Label} valid", (IReadOnlyList<(double, double)>)r.Result.Curve.Where(e => e.ValidationCrossEntropy != null).Select(e => ((double)e.Epoch, e.ValidationCrossEntropy!.Value)).ToList()),
                ($"{r.Point.Label} train", (IReadOnlyList<(double, double)>)r.Result.Curve.Where(e => e.TrainCrossEntropy != null).Select(e => ((double)e.Epoch, e.TrainCrossEntropy!.Value)).ToList()),
            }).ToList());
        md.AppendLine($"![{sweep.Title}: accuracy]({accuracy}) ![{sweep.Title}: cross-entropy]({entropy})").AppendLine();
        md.AppendLine("| point | epochs | accuracy train / valid / test | cross-entropy train / valid / test | seconds | study (TFD) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (point, result) in results)
            md.AppendLine($"| {point.Label} | {result.Curve.Count} | {Triple(result.Accuracy)} | {Triple(result.CrossEntropy)} | {result.Seconds.ToString("F1", CultureInfo.InvariantCulture)} | {point.StudyResult ?? "-"} |");
        var best = results.MaxBy(r => r.Result.Accuracy[1]);
        string agreement = sweep.StudyBest == "-" ? "the study named no best point"
            : best.Point.Label == sweep.StudyBest ? $"agrees with the study ({sweep.StudyFinding})"
            : $"the study found: {sweep.StudyFinding}";
        md.AppendLine().AppendLine($"Reading: best on validation here is **{best.Point.Label}** (accuracy {F(best.Result.Accuracy[1])}); {agreement}.").AppendLine();
    }

    private static string Triple(double[] v) => string.Join(" / ", v.Select(F));
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
