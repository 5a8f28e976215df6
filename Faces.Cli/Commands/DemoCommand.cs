using Faces.MLNet.Mixtures;
using Faces.Torch.Training;
using System.CommandLine;
using Faces.Pipelines.Data;
using Faces.Cli.Reports;
using Faces.Pipelines.Training;
using Microsoft.ML;

namespace Faces.Cli.Commands;

/// <summary>
/// <c>faces demo</c>: the main job on the embedded synthetic faces — trains MoG-per-class, MLP and CNN with quick
/// settings, evaluates them on train/valid/test, writes the three models and a report, prints a comparison table.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The demo's three models. Quick settings; the study's own defaults are what <c>faces train</c> uses.</summary>
    /// <remarks>
    /// The networks standardise pixels (fitted on the training split, saved in the model) and use the study's best
    /// learning rate and momentum (eps 0.01, momentum 0.9); without standardisation, momentum 0.9 diverges on these
    /// images. The mixtures keep the study's settings (K = 7, 10 iterations, random initialisation, raw pixels).
    /// </remarks>
    internal static IReadOnlyList<(string Name, TrainSettings Settings)> Models(bool quick, int seed, int threads) => new[]
    {
        ("MoG", new TrainSettings { Model = ModelKind.Mog, Mixture = new GaussianMixtureOptions { Seed = seed } }),
        ("MLP", new TrainSettings
        {
            Model = ModelKind.Mlp, Normalization = Normalization.Standardize,
            Training = TrainingOptions.ForMlp with { Epochs = quick ? 15 : 60, Momentum = 0.9, EarlyStoppingPatience = 8, Seed = seed, Threads = threads },
        }),
        ("CNN", new TrainSettings
        {
            Model = ModelKind.Cnn, Normalization = Normalization.Standardize,
            // The study's best CNN training (TrainingOptions.BestForCnn), fewer epochs and without early stopping: a demo.
            Training = TrainingOptions.BestForCnn with { Epochs = quick ? 3 : 12, EarlyStoppingPatience = 0, Seed = seed, Threads = threads },
        }),
    };

    public static Command Create()
    {
        var command = new Command("demo", "Train MoG-per-class, MLP and CNN on the embedded synthetic faces, evaluate them, write models and a report.");
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder for the models and the report.", DefaultValueFactory = _ => new DirectoryInfo("faces-out") };
        var quick = new Option<bool>("--quick") { Description = "A small dataset and few epochs (what CI runs): about a minute." };
        var seed = CommonOptions.Seed();
        var threads = CommonOptions.Threads();
        foreach (var option in new Option[] { output, quick, seed, threads }) command.Options.Add(option);
        command.SetAction(result =>
        {
            var (ml, dataset, isQuick, seedValue, folder) = StudyRun.Start(result, quick, seed, output, DataSources.Synthetic, "Generating synthetic faces");
            Console.WriteLine($"Data: {dataset.Source}: {dataset.Shape} faces, train {dataset.Train.Count} / valid {dataset.Validation.Count} / test {dataset.Test.Count}.");

            var reports = new List<ModelReport>();
            foreach (var (name, settings) in Models(isQuick, seedValue, result.GetValue(threads)))
            {
                var trained = ModelTraining.Train(ml, dataset, settings);
                if (ModelTraining.Outcome(settings, trained) is { } outcome) Console.WriteLine($"{name}: {outcome}");
                string path = Path.Combine(folder, $"{name.ToLowerInvariant()}.zip");
                var splits = Progress.Evaluate(name, ml, trained.Model, dataset, dataset.Splits);
                ModelFiles.Save(ml, trained.Model, trained.InputSchema, path,
                    ModelProvenance.Create(dataset, new SplitOptions { Seed = seedValue }, settings, trained, splits));
                reports.Add(new ModelReport(name, splits, trained, path));
            }
            ComparisonTable.Print(reports);
            Console.WriteLine($"Models: {string.Join(", ", reports.Select(r => r.ModelPath))}");
            Console.WriteLine($"Report: {ReportWriter.Write(folder, dataset, reports)}");
            return 0;
        });
        return command;
    }
}
