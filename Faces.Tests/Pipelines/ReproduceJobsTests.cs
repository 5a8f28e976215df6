using System.Text.Json;
using Faces.Cli.Experiments;
using Faces.Pipelines.Data;
using Faces.Tests.Concurrency;
using Microsoft.ML;

namespace Faces.Tests.Pipelines;

/// <summary>
/// <c>faces reproduce --jobs</c>: runs trained side by side give the numbers each gives alone. Alone in the test run,
/// because the comparison is bit for bit and libtorch's thread count, which every training sets, is process-wide.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class ReproduceJobsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-reproduce-jobs-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    [Fact]
    public void Runs_trained_two_at_a_time_are_the_runs_trained_one_by_one()
    {
        var data = DataSources.Load(new MLContext(1), DataSources.Synthetic, new SplitOptions { Seed = 1 }, SyntheticFaces.Options.Quick);
        var sweeps = StudySweeps.All(quick: true).Take(2).ToList(); // the MLP's and the CNN's learning rates
        string outFolder = Path.Combine(folder, "jobs");
        var started = new List<string>();
        int threadsBefore = Environment.ProcessorCount + 1, original = Faces.Torch.TorchEnvironment.Threads; // unlike any job's share of the cores
        Faces.Torch.TorchEnvironment.SetThreads(threadsBefore);
        var (trained, _) = Reproduction.Execute(new MLContext(1), data, sweeps, outFolder, new System.Text.StringBuilder(), started.Add, seeds: 2, jobs: 2);
        Assert.Equal(threadsBefore, Faces.Torch.TorchEnvironment.Threads); // what runs after (the mixture experiments) keeps its thread count
        Faces.Torch.TorchEnvironment.SetThreads(original);
        int runs = sweeps.Sum(s => s.Points.Count) * 2;
        Assert.Equal(runs, trained);
        Assert.Equal(runs, started.Distinct().Count()); // every run once, none twice

        // Each cached run is what training it alone, with the same settings (thread count included), gives.
        string fingerprint = DataFingerprint.Of(data);
        foreach (var (point, k) in new[] { (sweeps[0].Points[0], 1), (sweeps[0].Points[4], 0), (sweeps[1].Points[1], 1), (sweeps[1].Points[3], 0) })
        {
            var settings = Reproduction.RunSettings(point, k, jobs: 2);
            Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), settings.NetworkTraining.Threads);
            var cached = JsonSerializer.Deserialize<Reproduction.RunResult>(File.ReadAllText(Path.Combine(outFolder, "cache", Reproduction.Key(fingerprint, settings) + ".json")))!;
            var alone = Reproduction.Train(new MLContext(1), data, settings, _ => { });
            Assert.Equal(alone.Accuracy, cached.Accuracy);
            Assert.Equal(alone.CrossEntropy, cached.CrossEntropy);
            Assert.Equal(alone.ValidationScores, cached.ValidationScores);
            Assert.Equal(alone.FirstLayer, cached.FirstLayer);
        }

        // Resumed with the same --jobs: everything from the cache.
        Assert.Equal(0, Reproduction.Execute(new MLContext(1), data, sweeps, outFolder, new System.Text.StringBuilder(), seeds: 2, jobs: 2).Trained);
    }
}
