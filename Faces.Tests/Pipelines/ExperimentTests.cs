using System.Text;
using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data;
using Faces.Cli.Experiments;
using Microsoft.ML;

namespace Faces.Tests.Pipelines;

/// <summary>The study's experiments in their quick form (the full form runs from the command line).</summary>
public sealed class ExperimentTests : IDisposable
{
    private static readonly FaceDataset Data = SyntheticFaces.Generate(new SyntheticFaces.Options { TrainCount = 280, ValidationCount = 70, TestCount = 70, Seed = 3 });
    private readonly string folder = Directory.CreateTempSubdirectory("faces-experiments-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private static float[][] Rows(FaceSplit split) => Enumerable.Range(0, split.Count).Select(n => split.Row(n).ToArray()).ToArray();

    [Fact]
    public void Mixture_density_experiment_records_every_setting_and_draws_means_and_variances()
    {
        var markdown = new StringBuilder();
        var settings = MixtureDensityExperiment.Settings.Study(quick: true) with { Components = 3, Iterations = 5 };
        var runs = MixtureDensityExperiment.Execute(new MLContext(1), Data, settings, folder, markdown);

        Assert.Equal(4, runs.Count); // random and k-means × randConst 1 and 100
        Assert.Equal(new[] { MixtureInitialization.Random, MixtureInitialization.KMeans }, runs.Select(r => r.Initialization).Distinct());
        foreach (var run in runs)
        {
            Assert.Equal(5, run.LogLikelihoods.Count);
            for (int i = 1; i < run.LogLikelihoods.Count; i++) Assert.True(run.LogLikelihoods[i] >= run.LogLikelihoods[i - 1] - 1e-6);
            Assert.Equal(1.0, run.Weights.Sum(), 9);
            // The same fit, made here without the experiment: its validation rows' mean log-density is the one reported.
            using var refit = new GaussianMixtureFitter(new GaussianMixtureOptions
            {
                Components = settings.Components, MaxIterations = settings.Iterations, VarianceFloor = settings.VarianceFloor,
                Initialization = run.Initialization, RandConst = run.RandConst, Seed = settings.Seed,
            }).Fit(Rows(Data.Train));
            Assert.Equal(refit.LogDensity(Rows(Data.Validation)).Average(), run.ValidationPerRow, 6);
            Assert.Equal(refit.LogLikelihoods[^1] / Data.Train.Count, run.TrainPerRow, 6);
        }
        Assert.True(File.Exists(Path.Combine(folder, "mog-density-random-rc100.png")));
        Assert.True(File.Exists(Path.Combine(folder, "mog-density-loglik.png")));
        Assert.Contains("| KMeans | 100 |", markdown.ToString());
    }

    [Fact]
    public void Mixture_classifier_experiment_keeps_two_classes_and_reports_error_rates_per_K()
    {
        var pair = MixtureClassifierExperiment.TwoClasses(Data, new[] { 0, 3 });
        Assert.Equal(new[] { "anger", "happy" }, pair.ClassNames);
        Assert.Equal(Data.Train.Labels.Count(l => l is 0 or 3), pair.Train.Count);
        Assert.All(pair.Test.Labels, l => Assert.InRange(l, 0, 1));
        int firstHappy = Array.IndexOf(Data.Train.Labels, 3);
        int index = Enumerable.Range(0, firstHappy).Count(n => Data.Train.Labels[n] is 0 or 3);
        Assert.Equal(1, pair.Train.Labels[index]);
        Assert.Equal(Data.Train.Row(firstHappy).ToArray(), pair.Train.Row(index).ToArray());

        var markdown = new StringBuilder();
        var runs = MixtureClassifierExperiment.Execute(new MLContext(1), Data, MixtureClassifierExperiment.Settings.Study(quick: true), folder, markdown);
        Assert.Equal(new[] { 2, 7 }, runs.Select(r => r.Components));
        Assert.All(runs, r => Assert.InRange(r.TestError, 0, 1));
        Assert.All(runs, r => Assert.True(r.TrainError < 0.5, $"K={r.Components}: train error {r.TrainError} is no better than chance"));
        Assert.True(File.Exists(Path.Combine(folder, "mog-classes-error.png")));
        Assert.Throws<ArgumentException>(() => MixtureClassifierExperiment.TwoClasses(Data, new[] { 0, 9 }));
    }

    [Fact]
    public void The_experiment_command_runs_its_quick_form()
    {
        var result = FacesCli.Run(folder, "experiment", "mog-classes", "--quick", "--out", "exp");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        Assert.True(File.Exists(Path.Combine(folder, "exp", "mog-classes.md")));
        Assert.True(File.Exists(Path.Combine(folder, "exp", "mog-classes.html")));
        Assert.Contains("| 7 |", result.Output);
    }

    [Fact]
    public void Network_experiment_runs_the_study_configurations_and_lists_uncertain_examples()
    {
        var markdown = new StringBuilder();
        var epochs = new List<(string, int)>();
        var configurations = NetworkExperiment.Study(quick: true);
        var runs = NetworkExperiment.Execute(new MLContext(1), Data, configurations, folder, markdown, (name, epoch) => epochs.Add((name, epoch)));

        Assert.Equal(configurations.Select(c => c.Name), runs.Select(r => r.Name));
        Assert.Equal(new[] { 20, 20, 2, 2 }, runs.Select(r => r.Epochs));
        Assert.Equal(44, epochs.Count);
        Assert.All(runs, r => Assert.Equal(new[] { "train", "valid", "test" }, r.Splits.Select(s => s.Split)));
        string text = markdown.ToString();
        Assert.Contains("0.827 / 0.752 / 0.730", text); // the study's MLP accuracies, shown next to ours
        Assert.Contains("Uncertain validation examples", text);
        Assert.True(File.Exists(Path.Combine(folder, "networks-curve-4.png")));
    }
}
