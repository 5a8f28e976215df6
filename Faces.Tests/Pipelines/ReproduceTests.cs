using Faces.Pipelines.Experiments;

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

        // Again: everything from the cache.
        Assert.Equal(0, Trained(FacesCli.Succeed("reproduce", "--quick", "--out", outFolder)));

        // An interrupted run: one entry missing, one half-written (a rename never happened, so only a temp file is
        // left), one damaged by hand: those three run again, nothing else.
        var entries = Directory.GetFiles(Path.Combine(outFolder, "cache"), "*.json").Order().ToArray();
        File.Delete(entries[0]);
        File.Move(entries[1], entries[1] + ".tmp-999999-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(entries[2], "{\"Curve\": [");
        Assert.Equal(3, Trained(FacesCli.Succeed("reproduce", "--quick", "--out", outFolder)));

        // Other settings (another seed) never reuse these results.
        Assert.Equal(distinct, Trained(FacesCli.Succeed("reproduce", "--quick", "--seed", "2", "--out", outFolder)));
    }
}
