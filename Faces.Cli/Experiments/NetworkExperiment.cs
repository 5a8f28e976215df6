using Faces.Torch.Models;
using Faces.Torch.Training;
using System.Globalization;
using System.Text;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Cli.Reports;
using Faces.Pipelines.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Cli.Experiments;

/// <summary>
/// The study's network experiments: the MLP and the CNN with their default settings, the MLP with its best learning
/// rate, and the CNN with its best settings (eps 0.01, momentum 0.9, 60 epochs, 24 and 40 filters). Cross-entropy and
/// accuracy per split next to the numbers the study reported on TFD, learning curves, and the validation examples the
/// best model is unsure of (top class probability below 0.5).
/// </summary>
internal static class NetworkExperiment
{
    /// <summary>One configuration and the study's TFD results for it (train, valid, test), where it reported them.</summary>
    public sealed record Configuration(string Name, TrainSettings Settings, double[]? StudyCrossEntropy, double[]? StudyAccuracy, double? StudyTestAccuracy = null);

    public sealed record Run(string Name, IReadOnlyList<SplitMetrics> Splits, int Epochs, double TrainSeconds);

    /// <summary>The study's configurations; <paramref name="quick"/> cuts the epochs (MLP 20, CNN 2) for CI.</summary>
    public static IReadOnlyList<Configuration> Study(bool quick, int seed = 1) => new[]
    {
        new Configuration("MLP, study defaults (eps 0.01, momentum 0)",
            new TrainSettings { Model = ModelKind.Mlp, Training = TrainingOptions.ForMlp with { Epochs = quick ? 20 : MlpDefaults.Epochs, Seed = seed } },
            new[] { 0.493, 0.888, 0.965 }, new[] { 0.827, 0.752, 0.730 }),
        new Configuration("MLP, eps 0.05 (the study's best MLP)",
            TrainingPresets.Best(ModelKind.Mlp) with { Training = TrainingOptions.BestForMlp with { Epochs = quick ? 20 : MlpDefaults.Epochs, Seed = seed } },
            null, null, 0.740),
        new Configuration("CNN, study defaults (eps 0.1, momentum 0, 8/16 filters)",
            new TrainSettings { Model = ModelKind.Cnn, Training = TrainingOptions.ForCnn with { Epochs = quick ? 2 : CnnDefaults.Epochs, Seed = seed } },
            new[] { 0.792, 0.927, 0.913 }, new[] { 0.715, 0.668, 0.657 }),
        new Configuration("CNN, the study's best (eps 0.01, momentum 0.9, 24/40 filters)",
            TrainingPresets.Best(ModelKind.Cnn) with { Training = TrainingOptions.BestForCnn with { Epochs = quick ? 2 : CnnDefaults.BestEpochs, Seed = seed } },
            null, null, 0.795),
    };

    public static IReadOnlyList<Run> Execute(MLContext ml, FaceDataset data, IReadOnlyList<Configuration> configurations, string folder, StringBuilder markdown,
        Action<string, int>? epochDone = null)
    {
        Directory.CreateDirectory(folder);
        var runs = new List<Run>();
        markdown.AppendLine("## MLP and CNN (study 2, 3)").AppendLine();
        markdown.AppendLine("Cross-entropy (CE) and accuracy over whole splits; pixels in [0, 1] as in the study. The study's numbers are on TFD;");
        markdown.AppendLine($"these runs are on {data.Source}, so compare shapes and orderings, not values, unless that is TFD.").AppendLine();
        markdown.AppendLine("| configuration | epochs | CE train / valid / test | accuracy train / valid / test | study CE (TFD) | study accuracy (TFD) |");
        markdown.AppendLine("|---|---|---|---|---|---|");
        SplitMetrics? best = null;
        string bestName = "";
        double bestValid = double.NegativeInfinity;
        foreach (var (configuration, index) in configurations.Select((c, i) => (c, i)))
        {
            var trained = new FacesModelTrainer(ml).Train(data, configuration.Settings, record => epochDone?.Invoke(configuration.Name, record.Epoch));
            var splits = data.Splits.Select(s => ModelEvaluator.Evaluate(ml, trained.Model, data, s)).ToList();
            runs.Add(new Run(configuration.Name, splits, trained.LearningCurve.Count, trained.TrainSeconds));
            string study = configuration.StudyAccuracy != null ? Triple(configuration.StudyAccuracy)
                : configuration.StudyTestAccuracy is { } t ? $"test {F(t)}" : "-";
            markdown.AppendLine($"| {configuration.Name} | {trained.LearningCurve.Count} | {Triple(splits.Select(s => s.LogLoss))} | " +
                                $"{Triple(splits.Select(s => s.MicroAccuracy))} | {(configuration.StudyCrossEntropy != null ? Triple(configuration.StudyCrossEntropy) : "-")} | {study} |");
            string curve = $"networks-curve-{index + 1}.png";
            Plots.LearningCurve(Path.Combine(folder, curve), configuration.Name, trained.LearningCurve);
            if (splits[1].MicroAccuracy > bestValid)
            {
                bestValid = splits[1].MicroAccuracy;
                best = splits[1];
                bestName = configuration.Name;
            }
        }
        markdown.AppendLine();
        for (int i = 0; i < runs.Count; i++) markdown.AppendLine($"![{runs[i].Name}](networks-curve-{i + 1}.png)");
        markdown.AppendLine();
        if (best != null) Uncertain(data, best, bestName, folder, markdown);
        return runs;
    }

    /// <summary>The validation examples whose top class probability is below 0.5 (the study's uncertainty measure).</summary>
    private static void Uncertain(FaceDataset data, SplitMetrics validation, string name, string folder, StringBuilder markdown)
    {
        // The validation split's scores from its evaluation pass: no second scoring.
        var scores = validation.Scores;
        var unsure = Enumerable.Range(0, scores.Length).Where(n => scores[n].Max() < ModelEvaluator.UncertainBelow).ToList();
        markdown.AppendLine($"### Uncertain validation examples ({name})").AppendLine();
        markdown.AppendLine($"{unsure.Count} of {scores.Length} validation images ({F((double)unsure.Count / Math.Max(1, scores.Length))}) have a top class probability below 0.5.").AppendLine();
        if (unsure.Count == 0) return;
        var shown = unsure.Take(30).ToList();
        Plots.ImageGrid(Path.Combine(folder, "networks-uncertain.png"), data.Shape,
            shown.Chunk(10).Select(chunk => (IReadOnlyList<float[]>)chunk.Select(n => data.Validation.Row(n).ToArray()).ToList()).ToList(), stretch: false);
        markdown.AppendLine("![uncertain validation examples](networks-uncertain.png)").AppendLine();
        markdown.AppendLine("| example | true class | top two predictions |").AppendLine("|---|---|---|");
        foreach (var n in shown)
        {
            var top = scores[n].Select((p, c) => (p, c)).OrderByDescending(x => x.p).Take(2).Select(x => $"{data.ClassNames[x.c]} {F(x.p)}");
            markdown.AppendLine($"| {n} | {data.ClassNames[data.Validation.Labels[n]]} | {string.Join(", ", top)} |");
        }
        markdown.AppendLine();
    }

    private static string Triple(IEnumerable<double> values) => string.Join(" / ", values.Select(F));

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
