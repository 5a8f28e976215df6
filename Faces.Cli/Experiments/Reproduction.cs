using Faces.Pipelines.Imaging;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Cli.Reports;
using Faces.Pipelines.Training;
using Faces.Torch.IO;
using Faces.Torch.Training;
using Microsoft.ML;

namespace Faces.Cli.Experiments;

/// <summary>
/// Runs the study's sweeps (<see cref="StudySweeps"/>) and writes one section per sweep: a figure of every point's
/// validation curves, a table of Faces' numbers next to the study's, and which point won on validation against the
/// study's finding. Each run's result is cached in the output folder under a hash of the data and the settings, written
/// atomically: an interrupted reproduction resumes, and a cache made with other settings is never reused.
/// </summary>
internal static class Reproduction
{
    /// <summary>
    /// One finished run, as cached: learning curve, accuracy and cross-entropy per split, training time, the network's
    /// parameter count and first-layer weights (for 3.4), and the validation probabilities (for 3.5).
    /// </summary>
    public sealed record RunResult(IReadOnlyList<EpochRecord> Curve, double[] Accuracy, double[] CrossEntropy, double Seconds,
        long Parameters, float[][] FirstLayer, float[][] ValidationScores);

    /// <summary>Changes whenever <see cref="RunResult"/> does: entries of an older layout are run again, never half-read.</summary>
    private const string CacheFormat = "2";

    /// <summary>
    /// Runs (or reuses) every point, <paramref name="seeds"/> times with consecutive training seeds (the run-to-run
    /// spread the readings compare differences with); returns the number trained and the number reused.
    /// </summary>
    public static (int Trained, int Reused) Execute(MLContext ml, FaceDataset data, IReadOnlyList<StudySweeps.Sweep> sweeps, string folder, StringBuilder markdown,
        Action<string>? runStarted = null, Action<string, int>? epochDone = null, int seeds = 1, int jobs = 1)
    {
        if (seeds < 1) throw new ArgumentException($"Seeds must be at least 1; got {seeds}.");
        if (jobs < 1) throw new ArgumentException($"Jobs must be at least 1; got {jobs}.");
        string cache = Path.Combine(folder, "cache");
        Directory.CreateDirectory(cache);
        string fingerprint = DataFingerprint.Of(data);
        int trained = jobs > 1 ? TrainPending(data, sweeps, cache, fingerprint, seeds, jobs, runStarted, epochDone) : 0;
        int reused = -trained, figure = 0; // the runs just trained in parallel are read back below: not reused
        var all = new Dictionary<StudySweeps.PointRef, RunResult>();
        markdown.AppendLine("## The study's sweeps (sections 3.2–3.3)").AppendLine();
        markdown.AppendLine($"Each sweep changes one setting from the study's defaults; every point is trained on {data.Source}. " +
                            "The study's numbers are on TFD: compare the orderings, not the values, unless this is TFD.").AppendLine();
        foreach (var sweep in sweeps)
        {
            var results = new List<(StudySweeps.Point Point, IReadOnlyList<RunResult> Runs)>();
            foreach (var point in sweep.Points)
            {
                var runs = new List<RunResult>();
                for (int k = 0; k < seeds; k++)
                {
                    var settings = RunSettings(point, k, jobs);
                    string file = Path.Combine(cache, Key(fingerprint, settings) + ".json");
                    RunResult? result = TryRead(file);
                    if (result != null)
                    {
                        reused++;
                    }
                    else
                    {
                        runStarted?.Invoke(RunLabel(sweep, point, settings, seeds));
                        result = Train(ml, data, settings, epoch => epochDone?.Invoke(point.Label, epoch));
                        AtomicFile.Write(file, (Stream stream) => JsonSerializer.Serialize(stream, result));
                        trained++;
                    }
                    runs.Add(result);
                }
                results.Add((point, runs));
                all[new StudySweeps.PointRef(sweep.Title, point.Label)] = runs[0];
            }
            Section(markdown, folder, ++figure, sweep, results, seeds);
        }
        var compared = StudySweeps.SimilarSize.Where(c => all.ContainsKey(c.Point)).Select(c => (c.Name, c.StudyParameters, c.StudyAccuracy, Result: all[c.Point])).ToList();
        if (compared.Count == StudySweeps.SimilarSize.Length)
        {
            SimilarSize(markdown, folder, data, compared);
            Uncertainty(markdown, folder, data, compared.Select(c => (c.Name, c.Result)).ToList());
        }
        return (trained, reused);
    }

    /// <summary>A cached result, or null when there is none or it is damaged or of an older layout (it is run again).</summary>
    private static RunResult? TryRead(string file)
    {
        if (!File.Exists(file)) return null;
        try
        {
            var result = JsonSerializer.Deserialize<RunResult>(File.ReadAllText(file));
            return result is null or { Curve: null } or { Accuracy.Length: not 3 } or { CrossEntropy.Length: not 3 } or { FirstLayer: null } or { ValidationScores: null }
                ? null : result;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The points not in the cache yet, and an estimate of their training time.</summary>
    /// <remarks>
    /// One epoch (the second) of the default MLP and of the default CNN is timed here; every pending point costs its epochs times
    /// that epoch scaled by its work per example (the MLP's weights; the CNN's convolution multiply-adds).
    /// </remarks>
    public static (int Pending, TimeSpan Estimate) Estimate(MLContext ml, FaceDataset data, IReadOnlyList<StudySweeps.Sweep> sweeps, string folder, int seed, int seeds = 1, int jobs = 1)
    {
        string fingerprint = DataFingerprint.Of(data);
        var pending = Pending(sweeps, Path.Combine(folder, "cache"), fingerprint, seeds, jobs).Select(r => r.Settings).ToList();
        if (pending.Count == 0) return (0, TimeSpan.Zero);
        int threads = JobThreads(jobs), threadsBefore = Faces.Torch.TorchEnvironment.Threads;
        double EpochSeconds(TrainSettings settings)
        {
            // Two epochs, the second one timed: the first also pays one-time costs (libtorch choosing and preparing its
            // kernels), which on a small dataset outweigh the epoch itself.
            var model = new FacesModelTrainer(ml).Train(data, settings with { Training = settings.NetworkTraining with { Epochs = 2, Seed = seed, Threads = threads } });
            return model.LearningCurve[^1].Seconds;
        }
        var mlp = new TrainSettings { Model = ModelKind.Mlp, Training = Faces.Torch.Training.TrainingOptions.ForMlp };
        var cnn = new TrainSettings { Model = ModelKind.Cnn, Training = Faces.Torch.Training.TrainingOptions.ForCnn };
        double mlpEpoch = EpochSeconds(mlp), cnnEpoch = EpochSeconds(cnn);
        Faces.Torch.TorchEnvironment.SetThreads(threadsBefore);
        double seconds = pending.Sum(p => p.NetworkTraining.Epochs * (p.Model == ModelKind.Mlp
            ? mlpEpoch * Work(p.Architecture, data) / Work(new Faces.Torch.Models.MlpArchitecture(), data)
            : cnnEpoch * Work(p.Architecture, data) / Work(new Faces.Torch.Models.CnnArchitecture(), data)));
        return (pending.Count, TimeSpan.FromSeconds(seconds / Math.Min(jobs, pending.Count)));
    }

    /// <summary>
    /// Point <paramref name="point"/>'s run with the <paramref name="k"/>-th consecutive training seed. With several
    /// jobs each run gets its share of the cores as its libtorch thread count, which is part of the run's settings (and
    /// of its cache key): a result depends on the thread count, so runs made with other counts are never mixed in.
    /// </summary>
    internal static TrainSettings RunSettings(StudySweeps.Point point, int k, int jobs)
    {
        var training = point.Settings.NetworkTraining with { Seed = point.Settings.NetworkTraining.Seed + k };
        return point.Settings with { Training = jobs > 1 ? training with { Threads = JobThreads(jobs) } : training };
    }

    /// <summary>libtorch threads of each of <paramref name="jobs"/> runs at once: the cores shared out (0, libtorch's choice, for one job).</summary>
    private static int JobThreads(int jobs) => jobs > 1 ? Math.Max(1, Environment.ProcessorCount / jobs) : 0;

    /// <summary>The runs of every point and seed that the cache does not hold yet, each once (points shared between sweeps train once).</summary>
    private static List<(string Label, TrainSettings Settings)> Pending(IReadOnlyList<StudySweeps.Sweep> sweeps, string cache, string fingerprint, int seeds, int jobs) =>
        sweeps.SelectMany(s => s.Points.SelectMany(p => Enumerable.Range(0, seeds).Select(k => RunSettings(p, k, jobs)).Select(settings => (Label: RunLabel(s, p, settings, seeds), Settings: settings))))
            .DistinctBy(r => Key(fingerprint, r.Settings))
            .Where(r => TryRead(Path.Combine(cache, Key(fingerprint, r.Settings) + ".json")) == null).ToList();

    private static string RunLabel(StudySweeps.Sweep sweep, StudySweeps.Point point, TrainSettings settings, int seeds) =>
        $"{sweep.Title}: {point.Label}{(seeds > 1 ? $", seed {settings.NetworkTraining.Seed}" : "")}";

    /// <summary>
    /// Trains the pending runs <paramref name="jobs"/> at a time, each on its own ML.NET context and its share of the
    /// cores, and caches each as it finishes; returns how many. The study's networks are small: one of them keeps two
    /// cores only partly busy, so two runs at once finish the sweeps sooner (docs/command-line.md).
    /// </summary>
    private static int TrainPending(FaceDataset data, IReadOnlyList<StudySweeps.Sweep> sweeps, string cache, string fingerprint, int seeds, int jobs,
        Action<string>? runStarted, Action<string, int>? epochDone)
    {
        var pending = Pending(sweeps, cache, fingerprint, seeds, jobs);
        var report = new object(); // the progress callbacks are not thread-safe
        int threadsBefore = Faces.Torch.TorchEnvironment.Threads; // libtorch's count is process-wide: what runs after gets it back
        try
        {
            // One run at a time to whichever job is free, in report order (the default partitioning splits the list in
            // ranges up front, and one job can be left with the long runs).
            var inOrder = System.Collections.Concurrent.Partitioner.Create(pending, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering);
            Parallel.ForEach(inOrder, new ParallelOptions { MaxDegreeOfParallelism = jobs }, run =>
            {
                lock (report) runStarted?.Invoke(run.Label);
                string point = run.Label[(run.Label.IndexOf(": ", StringComparison.Ordinal) + 2)..];
                var result = Train(new MLContext(run.Settings.NetworkTraining.Seed), data, run.Settings, epoch => { lock (report) epochDone?.Invoke(point, epoch); });
                AtomicFile.Write(Path.Combine(cache, Key(fingerprint, run.Settings) + ".json"), (Stream stream) => JsonSerializer.Serialize(stream, result));
            });
        }
        catch (AggregateException e)
        {
            // The first failure as the one-job path would raise it (a divergence, an I/O error), not wrapped.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        finally
        {
            Faces.Torch.TorchEnvironment.SetThreads(threadsBefore);
        }
        return pending.Count;
    }

    /// <summary>Trains one run and measures it on every split.</summary>
    internal static RunResult Train(MLContext ml, FaceDataset data, TrainSettings settings, Action<int> epochDone)
    {
        var model = new FacesModelTrainer(ml).Train(data, settings, r => epochDone(r.Epoch));
        var splits = data.Splits.Select(s => ModelEvaluator.Evaluate(ml, model.Model, data, s)).ToList();
        var network = model.Network!;
        return new RunResult(model.LearningCurve, splits.Select(s => s.MicroAccuracy).ToArray(), splits.Select(s => s.LogLoss).ToArray(),
            model.TrainSeconds, network.ParameterCount, network.FirstLayerWeights(), splits[1].Scores);
    }

    /// <summary>Multiply-adds per example, up to a constant: the MLP's weights, or the CNN's two convolutions.</summary>
    private static double Work(Faces.Torch.Models.NetworkArchitecture? architecture, FaceDataset data) => architecture switch
    {
        Faces.Torch.Models.CnnArchitecture c => (double)c.Filters1 * data.Shape.Channels * c.FilterSize * c.FilterSize * data.Shape.Height * data.Shape.Width
                                                + (double)c.Filters2 * c.Filters1 * c.FilterSize * c.FilterSize * (data.Shape.Height / c.Pool1) * (data.Shape.Width / c.Pool1),
        Faces.Torch.Models.MlpArchitecture m => m.ParameterCount,
        _ => 1,
    };

    /// <summary>The cache key: the cache layout, the data's fingerprint and the settings records, hashed.</summary>
    public static string Key(string fingerprint, TrainSettings settings) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(CacheFormat + "\n" + fingerprint + "\n" + JsonSerializer.Serialize(new
        {
            settings.Model, settings.Normalization, Training = settings.NetworkTraining, settings.Architecture, settings.Mixture,
        }))))[..32];

    private static void Section(StringBuilder md, string folder, int figure, StudySweeps.Sweep sweep, List<(StudySweeps.Point Point, IReadOnlyList<RunResult> Runs)> all, int seeds)
    {
        // Figures show the first seed's curves; the table and the reading use every seed.
        var results = all.Select(r => (r.Point, Result: r.Runs[0])).ToList();
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
        string seedNote = seeds > 1 ? $" (mean of {seeds} seeds; ± their standard deviation)" : "";
        md.AppendLine($"| point | epochs | accuracy train / valid / test{seedNote} | cross-entropy train / valid / test | seconds | study (TFD) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var (point, runs) in all)
        {
            var meanAccuracy = Enumerable.Range(0, 3).Select(i => runs.Average(r => r.Accuracy[i])).ToArray();
            var meanEntropy = Enumerable.Range(0, 3).Select(i => runs.Average(r => r.CrossEntropy[i])).ToArray();
            string spread = seeds > 1 ? $" (valid ± {F(Spread(runs))})" : "";
            md.AppendLine($"| {point.Label} | {runs[0].Curve.Count} | {Triple(meanAccuracy)}{spread} | {Triple(meanEntropy)} | {runs.Average(r => r.Seconds).ToString("F1", CultureInfo.InvariantCulture)} | {point.StudyResult ?? "-"} |");
        }
        md.AppendLine().AppendLine($"Reading: {Reading(sweep, all, seeds)}").AppendLine();
    }

    /// <summary>The run-to-run spread of a point: the standard deviation of its validation accuracy over the seeds.</summary>
    internal static double Spread(IReadOnlyList<RunResult> runs)
    {
        double mean = runs.Average(r => r.Accuracy[1]);
        return runs.Count < 2 ? double.NaN : Math.Sqrt(runs.Sum(r => (r.Accuracy[1] - mean) * (r.Accuracy[1] - mean)) / (runs.Count - 1));
    }

    /// <summary>
    /// Which point won on validation, and what that says about the study's finding. An ordering is only read where it
    /// is larger than the noise: points whose mean validation accuracy is within the larger of their two spreads of the
    /// best are not told apart from it, and with one seed no spread is known, so no agreement is claimed.
    /// </summary>
    internal static string Reading(StudySweeps.Sweep sweep, IReadOnlyList<(StudySweeps.Point Point, IReadOnlyList<RunResult> Runs)> points, int seeds)
    {
        double Mean(IReadOnlyList<RunResult> runs) => runs.Average(r => r.Accuracy[1]);
        var ranked = points.OrderByDescending(p => Mean(p.Runs)).ToList();
        var best = ranked[0];
        string head = $"best on validation here is **{best.Point.Label}** (accuracy {F(Mean(best.Runs))}{(seeds > 1 ? $" ± {F(Spread(best.Runs))}" : "")})";
        string study = sweep.StudyBest == "-" ? "the study named no best point" : $"the study found: {sweep.StudyFinding}";
        if (seeds < 2)
            return $"{head}; one seed per point, so the run-to-run spread is unknown and no ordering is read (--seeds 3 measures it); {study}.";
        var tied = ranked.Skip(1).Where(p => Mean(best.Runs) - Mean(p.Runs) <= Math.Max(Spread(best.Runs), Spread(p.Runs))).ToList();
        if (tied.Count > 0)
            return $"{head}; **no difference beyond noise** between it and {string.Join(", ", tied.Select(p => $"{p.Point.Label} ({F(Mean(p.Runs))} ± {F(Spread(p.Runs))})"))}: " +
                   $"the gaps are within the points' run-to-run spread; {study}.";
        return best.Point.Label == sweep.StudyBest
            ? $"{head}, ahead of every other point by more than their spreads; **agrees with the study** ({sweep.StudyFinding})."
            : $"{head}, ahead of every other point by more than their spreads; {study} — **a different ordering**.";
    }

    /// <summary>Study 3.4: the two networks at a similar size, their numbers, and their first-layer weights side by side.</summary>
    private static void SimilarSize(StringBuilder md, string folder, FaceDataset data, List<(string Name, long StudyParameters, double[] StudyAccuracy, RunResult Result)> compared)
    {
        md.AppendLine("### 3.4 MLP and CNN at a similar size").AppendLine();
        md.AppendLine("The MLP with the study's best learning rate and the CNN's best run, both from the sweeps above.").AppendLine();
        md.AppendLine("| network | parameters | accuracy train / valid / test | study parameters | study accuracy (TFD, 3.4) |").AppendLine("|---|---|---|---|---|");
        foreach (var c in compared)
            md.AppendLine($"| {c.Name} | {N(c.Result.Parameters)} | {Triple(c.Result.Accuracy)} | {N(c.StudyParameters)} | {Triple(c.StudyAccuracy)} |");
        var panels = compared.Select(c =>
        {
            int side = (int)Math.Round(Math.Sqrt(c.Result.FirstLayer[0].Length));
            bool isImage = c.Result.FirstLayer[0].Length == data.Shape.Height * data.Shape.Width;
            var shape = isImage ? data.Shape : new ImageShape(side, side);
            return new Plots.WeightPanel($"{c.Name} first layer: {c.Result.FirstLayer.Length} x {shape.Width}x{shape.Height}", shape, c.Result.FirstLayer,
                Scale: isImage ? 2 : 12, Columns: isImage ? 4 : 6);
        }).ToList();
        Plots.WeightPanels(Path.Combine(folder, "similar-size-first-layers.png"), panels);
        md.AppendLine().AppendLine("![first-layer weights of both networks](similar-size-first-layers.png)").AppendLine();
        var (mlp, cnn) = (compared[0], compared[1]);
        string here = cnn.Result.Accuracy[1] > mlp.Result.Accuracy[1] ? "CNN" : "MLP";
        string study = cnn.StudyAccuracy[1] > mlp.StudyAccuracy[1] ? "CNN" : "MLP";
        md.AppendLine($"Reading: on validation the **{here}** is ahead here ({F(cnn.Result.Accuracy[1])} CNN vs {F(mlp.Result.Accuracy[1])} MLP); " +
                      $"in the study the {study} was ({F(cnn.StudyAccuracy[1])} vs {F(mlp.StudyAccuracy[1])}), " +
                      $"{(here == study ? "the same ordering" : "the opposite ordering")}.").AppendLine();
    }

    /// <summary>Study 3.5: each network's uncertain validation faces (top probability below 0.5) with their probabilities.</summary>
    private static void Uncertainty(StringBuilder md, string folder, FaceDataset data, List<(string Name, RunResult Result)> networks)
    {
        md.AppendLine("### 3.5 Uncertain validation examples").AppendLine();
        md.AppendLine($"Validation faces whose top class probability is below {ModelEvaluator.UncertainBelow.ToString(CultureInfo.InvariantCulture)}, for both networks of 3.4; " +
                      "each face shows its true class and the network's two most probable classes.").AppendLine();
        md.AppendLine("| network | uncertain | share | most often uncertain class (share of its validation faces) |").AppendLine("|---|---|---|---|");
        var labels = data.Validation.Labels;
        var figures = new List<string>();
        var mostConfused = new List<(string Network, List<string> Classes)>();
        foreach (var (name, result) in networks)
        {
            var scores = result.ValidationScores;
            var unsure = Enumerable.Range(0, scores.Length).Where(n => scores[n].Max() < ModelEvaluator.UncertainBelow).ToList();
            if (unsure.Count == 0)
            {
                md.AppendLine($"| {name} | 0 of {scores.Length} | {F(0)} | - |");
                continue;
            }
            var shares = Enumerable.Range(0, data.ClassNames.Count)
                .Select(c => (double)unsure.Count(n => labels[n] == c) / Math.Max(1, labels.Count(l => l == c))).ToList();
            // Every class at the highest share: a tie is reported as one, never as agreement by list order.
            var worst = Enumerable.Range(0, shares.Count).Where(c => shares[c] == shares.Max()).Select(c => data.ClassNames[c]).ToList();
            mostConfused.Add((name, worst));
            md.AppendLine($"| {name} | {unsure.Count} of {scores.Length} | {F((double)unsure.Count / scores.Length)} | {string.Join(" = ", worst)} ({F(shares.Max())}) |");
            string figure = $"uncertain-{name.ToLowerInvariant()}.png";
            Plots.CaptionedGrid(Path.Combine(folder, figure), data.Shape, unsure.Take(18).Select(n => (data.Validation.Row(n).ToArray(),
                $"true {data.ClassNames[labels[n]]}\n" + string.Join(", ", scores[n].Select((p, c) => (p, c)).OrderByDescending(x => x.p).Take(2)
                    .Select(x => $"{data.ClassNames[x.c]} {x.p.ToString("F2", CultureInfo.InvariantCulture)}")))).ToList());
            figures.Add($"![{name}: uncertain validation examples]({figure})");
        }
        md.AppendLine();
        foreach (var figure in figures) md.AppendLine(figure).AppendLine();
        bool agrees = mostConfused.Count > 0 && mostConfused.All(m => m.Classes is [StudySweeps.StudyMostConfused]);
        string found = mostConfused.Count == 0 ? "none (no uncertain faces)"
            : string.Join(", ", mostConfused.Select(m => $"{(m.Classes.Count > 1 ? "a tie of " : "")}{string.Join(" = ", m.Classes)} ({m.Network})"));
        md.AppendLine($"Reading: the most often uncertain class here: {found}; the study found {StudySweeps.StudyMostConfused} the most confused class" +
                      $"{(agrees ? ", which agrees" : mostConfused.Count == 0 ? "" : ", which this run does not show for every network")}.").AppendLine();
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);
    private static string Triple(double[] v) => string.Join(" / ", v.Select(F));
    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
