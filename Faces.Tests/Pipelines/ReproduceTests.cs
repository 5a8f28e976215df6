using System.Text.Json;
using Faces.Cli.Experiments;
using Faces.Torch.Models;
using Faces.Pipelines.Data;
using Microsoft.ML;
using SkiaSharp;

namespace Faces.Tests.Pipelines;

/// <summary><c>faces reproduce --quick</c>: every sweep in the report, one figure each, and a cache that resumes and never lies.</summary>
public sealed class ReproduceTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-reproduce-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private static int Trained(string output) =>
        int.Parse(output.Split('\n').Single(l => l.Contains("run(s) trained", StringComparison.Ordinal)).Split(' ')[0]);

    [Fact]
    public void The_report_names_every_sweep_value_and_a_second_run_trains_nothing()
    {
        string outFolder = Path.Combine(folder, "out");
        string first = FacesCli.Succeed("reproduce", "--quick", "--out", outFolder);
        var sweeps = StudySweeps.All(quick: true);
        int runs = sweeps.Sum(s => s.Points.Count);
        Assert.Contains($"{runs} network runs", first);
        int distinct = sweeps.SelectMany(s => s.Points).Select(p => Reproduction.Key("x", p.Settings)).Distinct().Count();
        Assert.Equal(distinct, Trained(first)); // points shared between sweeps (the defaults) train once
        Assert.Contains($"{distinct} run(s) to train: about ", first); // the estimate counts what will really be trained

        string report = File.ReadAllText(Path.Combine(outFolder, "reproduce.md"));
        for (int i = 0; i < sweeps.Count; i++)
        {
            Assert.Contains($"### {sweeps[i].Section} {sweeps[i].Title}", report);
            foreach (var point in sweeps[i].Points) Assert.Contains($"| {point.Label} |", report);
            Assert.True(File.Exists(Path.Combine(outFolder, $"sweep-{i + 1}-accuracy.png")));
            Assert.True(File.Exists(Path.Combine(outFolder, $"sweep-{i + 1}-ce.png")));
        }
        Assert.Contains("Reading: best on validation here is", report);
        Assert.Contains("train 0.90041 / valid 0.75418 / test 0.79481", report);
        Assert.Contains("Mixture of Gaussians as a density model (study 4.2, 4.3)", report);
        Assert.True(File.Exists(Path.Combine(outFolder, "reproduce.html")));

        // 3.4: both networks with their parameter counts, and one figure of their first-layer weights.
        long mlpParameters = new MlpArchitecture().ParameterCount, cnnParameters = new CnnArchitecture { Filters1 = 24, Filters2 = 40 }.ParameterCount;
        Assert.Equal(37_655, mlpParameters);
        Assert.Equal(42_591, cnnParameters);
        Assert.Contains("### 3.4 MLP and CNN at a similar size", report);
        Assert.Contains("| MLP | 37,655 |", report);
        Assert.Contains("| CNN | 42,591 |", report);
        using (var figure = SKBitmap.Decode(Path.Combine(outFolder, "similar-size-first-layers.png")))
            Assert.True(figure.Width > 4 * 2 * 48 + 6 * 12 * 5, $"the figure holds both panels: {figure.Width} px wide");

        // 3.5: each network's uncertain count is the one its cached validation probabilities give.
        Assert.Contains("### 3.5 Uncertain validation examples", report);
        // The same data the command generated (quick synthetic, seed 1), so the two points' cache entries are found by key.
        string fingerprint = DataFingerprint.Of(DataSources.Load(new MLContext(1), DataSources.Synthetic, new SplitOptions { Seed = 1 }, SyntheticFaces.Options.Quick));
        var points = sweeps.SelectMany(s => s.Points.Select(p => (Ref: new StudySweeps.PointRef(s.Title, p.Label), p.Settings))).ToList();
        foreach (var (reference, name, _, _) in StudySweeps.SimilarSize)
        {
            var entry = JsonSerializer.Deserialize<Reproduction.RunResult>(File.ReadAllText(
                Path.Combine(outFolder, "cache", Reproduction.Key(fingerprint, points.Single(p => p.Ref == reference).Settings) + ".json")))!;
            int uncertain = entry.ValidationScores.Count(s => s.Max() < 0.5f);
            Assert.Contains($"| {name} | {uncertain} of {entry.ValidationScores.Length} |", report);
            Assert.Equal(name == "MLP" ? 16 : 24, entry.FirstLayer.Length);
            if (uncertain > 0) Assert.True(File.Exists(Path.Combine(outFolder, $"uncertain-{name.ToLowerInvariant()}.png")));
        }

        // Again: everything from the cache.
        string again = FacesCli.Succeed("reproduce", "--quick", "--out", outFolder);
        Assert.Equal(0, Trained(again));
        Assert.Contains("Every run is in the cache: nothing to train.", again);

        // An interrupted run: one entry missing, one half-written (a rename never happened, so only a temp file is
        // left), one damaged by hand: those three run again, nothing else.
        var entries = Directory.GetFiles(Path.Combine(outFolder, "cache"), "*.json").Order().ToArray();
        File.Delete(entries[0]);
        File.Move(entries[1], entries[1] + ".tmp-999999-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(entries[2], "{\"Curve\": [");
        string resumed = FacesCli.Succeed("reproduce", "--quick", "--out", outFolder);
        Assert.Contains("3 run(s) to train: about ", resumed);
        Assert.Equal(3, Trained(resumed));

        // Other settings (another seed) never reuse these results.
        Assert.Equal(distinct, Trained(FacesCli.Succeed("reproduce", "--quick", "--seed", "2", "--out", outFolder)));
    }
}
