using Faces.Pipelines.Training;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Cli.Experiments;

/// <summary>
/// The study's sweeps (sections 3.2–3.3, docs/study.md), each changing one setting from the defaults, as Faces
/// configurations: what <c>faces reproduce</c> runs. Every point is also one <c>faces train</c> command.
/// </summary>
internal static class StudySweeps
{
    /// <summary>One point of a sweep: its label (the value), the settings, and the study's numbers for it where it gave any.</summary>
    public sealed record Point(string Label, TrainSettings Settings, string? StudyResult = null);

    /// <summary>A sweep: its section, what changes, the points, and what the study found (its best point's label).</summary>
    public sealed record Sweep(string Section, string Title, IReadOnlyList<Point> Points, string StudyBest, string StudyFinding);

    /// <summary>A point of one of the sweeps, by the sweep's title and the point's label.</summary>
    public sealed record PointRef(string Sweep, string Point);

    /// <summary>
    /// Study 3.4 compares the networks at a similar size, and 3.5 shows their uncertain examples: the MLP with its best
    /// learning rate and the CNN's best run, both points of the sweeps (nothing extra is trained), with what the study
    /// reported for them in 3.4 (parameters; accuracy train / valid / test, read off that section's text).
    /// </summary>
    public static readonly (PointRef Point, string Name, long StudyParameters, double[] StudyAccuracy)[] SimilarSize =
    {
        (new PointRef("MLP learning rate", "eps 0.05"), "MLP", 37_655, new[] { 0.86, 0.71, 0.76 }),
        (new PointRef("CNN extra runs", "eps 0.01, momentum 0.9, 60 epochs, filters 24/40"), "CNN", 42_591, new[] { 0.85, 0.75, 0.74 }),
    };

    /// <summary>The class the study found most often uncertain (3.5).</summary>
    public const string StudyMostConfused = "anger";

    /// <summary>Every sweep; <paramref name="quick"/> cuts the epochs (MLP 3, CNN 1) for CI.</summary>
    public static IReadOnlyList<Sweep> All(bool quick, int seed = 1)
    {
        int mlpEpochs = quick ? 3 : MlpDefaults.Epochs, cnnEpochs = quick ? 1 : CnnDefaults.Epochs;
        TrainSettings Mlp(Func<TrainingOptions, TrainingOptions> training, int[]? hidden = null) => new()
        {
            Model = ModelKind.Mlp, Training = training(TrainingOptions.ForMlp with { Epochs = mlpEpochs, Seed = seed }),
            Architecture = new MlpArchitecture { Hidden = hidden ?? MlpDefaults.Hidden },
        };
        TrainSettings Cnn(Func<TrainingOptions, TrainingOptions> training, int filters1 = CnnDefaults.Filters1, int filters2 = CnnDefaults.Filters2) => new()
        {
            Model = ModelKind.Cnn, Training = training(TrainingOptions.ForCnn with { Epochs = cnnEpochs, Seed = seed }),
            Architecture = new CnnArchitecture { Filters1 = filters1, Filters2 = filters2 },
        };
        double[] rates = { 0.001, 0.005, 0.01, 0.05, 0.1 }, momenta = { 0.1, 0.5, 0.9 };
        int[] batches = { 100, 300, 500, 700, 900 };
        return new[]
        {
            new Sweep("3.2.1", "MLP learning rate", rates.Select(r => new Point($"eps {r}", Mlp(t => t with { LearningRate = r }),
                r == 0.05 ? "train 0.8595, test 0.74026" : null)).ToList(), "eps 0.05", "best at eps 0.05, worst at eps 0.001"),
            new Sweep("3.2.1", "CNN learning rate", rates.Select(r => new Point($"eps {r}", Cnn(t => t with { LearningRate = r }))).ToList(),
                "eps 0.05", "best at eps 0.05, then 0.1"),
            new Sweep("3.2.2", "MLP momentum", momenta.Select(m => new Point($"momentum {m}", Mlp(t => t with { Momentum = m }))).ToList(),
                "momentum 0.5", "best at momentum 0.5"),
            new Sweep("3.2.2", "CNN momentum", momenta.Select(m => new Point($"momentum {m}", Cnn(t => t with { Momentum = m }))).ToList(),
                "momentum 0.1", "best at momentum 0.1, accuracy falling as momentum rises"),
            new Sweep("3.2.3", "MLP mini-batch", batches.Select(b => new Point($"batch {b}", Mlp(t => t with { BatchSize = b }))).ToList(),
                "batch 100", "batch 100 best; larger batches converge more slowly"),
            new Sweep("3.2.3", "CNN mini-batch", batches.Select(b => new Point($"batch {b}", Cnn(t => t with { BatchSize = b }))).ToList(),
                "batch 100", "batch 100 best; larger batches converge more slowly"),
            new Sweep("3.3", "MLP hidden sizes", new[] { new[] { 16, 16 }, new[] { 16, 24 }, new[] { 16, 40 }, new[] { 8, 32 }, new[] { 16, 32 }, new[] { 24, 32 } }
                .Select(h => new Point($"hidden {h[0]}/{h[1]}", Mlp(t => t, h))).ToList(), "-", "no single best size reported"),
            new Sweep("3.3", "CNN filters", new[] { (8, 4), (8, 8), (8, 24), (8, 16), (16, 16), (24, 16) }
                .Select(f => new Point($"filters {f.Item1}/{f.Item2}", Cnn(t => t, f.Item1, f.Item2))).ToList(), "-",
                "with the default eps and epochs these did not learn in the study"),
            new Sweep("3.3", "CNN extra runs", new[]
            {
                new Point("eps 0.01, filters 32/50, 30 epochs", Cnn(t => t with { LearningRate = 0.01, Epochs = quick ? 1 : 30 }, 32, 50),
                    "train 0.51067 / valid 0.55609 / test 0.49610"),
                // The study's best run, its numbers from CnnDefaults (the 'best' preset adds early stopping, which this sweep point did not have).
                new Point("eps 0.01, momentum 0.9, 60 epochs, filters 24/40", Cnn(t => t with
                    {
                        LearningRate = CnnDefaults.BestLearningRate, Momentum = CnnDefaults.BestMomentum, Epochs = quick ? 1 : CnnDefaults.BestEpochs,
                    }, CnnDefaults.BestFilters1, CnnDefaults.BestFilters2),
                    "train 0.90041 / valid 0.75418 / test 0.79481"),
            }, "eps 0.01, momentum 0.9, 60 epochs, filters 24/40", "momentum and 24/40 filters far better than 32/50 without momentum"),
        };
    }
}
