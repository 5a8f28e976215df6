using Faces.Pipelines.Imaging;
using Faces.Pipelines.Data;
using Faces.Cli.Experiments;
using Faces.Pipelines.Training;

namespace Faces.Tests.Pipelines;

/// <summary>The reproduction's reading of a sweep: an ordering is read only where it is larger than the run-to-run spread.</summary>
public sealed class ReadingTests
{
    private static Reproduction.RunResult Run(double valid) =>
        new(Array.Empty<Faces.Torch.Training.EpochRecord>(), new[] { valid, valid, valid }, new[] { 1.0, 1.0, 1.0 }, 1, 1, Array.Empty<float[]>(), Array.Empty<float[]>());

    private static readonly StudySweeps.Sweep Sweep = new("3.2.1", "MLP learning rate", new[]
    {
        new StudySweeps.Point("eps 0.05", new TrainSettings()), new StudySweeps.Point("eps 0.1", new TrainSettings()),
    }, "eps 0.05", "best at eps 0.05");

    private static string Read(double[] first, double[] second) => Reproduction.Reading(Sweep, new[]
    {
        (Sweep.Points[0], (IReadOnlyList<Reproduction.RunResult>)first.Select(Run).ToList()),
        (Sweep.Points[1], (IReadOnlyList<Reproduction.RunResult>)second.Select(Run).ToList()),
    }, first.Length);

    [Fact]
    public void A_gap_smaller_than_the_spread_is_no_difference_beyond_noise_never_agreement()
    {
        // 0.186 against 0.171 (the quick form's chance-level numbers), with seeds that scatter by ±0.02.
        string reading = Read(new[] { 0.166, 0.186, 0.206 }, new[] { 0.151, 0.171, 0.191 });
        Assert.Contains("**no difference beyond noise**", reading);
        Assert.DoesNotContain("agrees", reading);
    }

    [Fact]
    public void A_gap_larger_than_the_spread_is_read_against_the_study()
    {
        Assert.Contains("**agrees with the study**", Read(new[] { 0.74, 0.75, 0.76 }, new[] { 0.60, 0.61, 0.62 }));
        Assert.Contains("**a different ordering**", Read(new[] { 0.60, 0.61, 0.62 }, new[] { 0.74, 0.75, 0.76 }));
    }

    [Fact]
    public void One_seed_reads_no_ordering()
    {
        string reading = Read(new[] { 0.75 }, new[] { 0.60 });
        Assert.Contains("no ordering is read", reading);
        Assert.DoesNotContain("agrees", reading);
    }

    [Fact]
    public void A_tfd_sized_sample_keeps_each_class_share_and_follows_its_seed()
    {
        var labels = Enumerable.Range(0, 1000).Select(i => i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2).ToArray(); // 60% / 30% / 10%
        FaceSplit Split(string name) => new(name, Enumerable.Range(0, labels.Length).Select(i => (float)i).ToArray(), labels, 1); // feature = row number
        var data = new FaceDataset("generated", new[] { "a", "b", "c" }, new ImageShape(1, 1), Split("train"), Split("valid"), Split("test"));
        var sample = StratifiedSample.Of(data, (100, 50, 1000), seed: 4);
        Assert.Equal(new[] { 60, 30, 10 }, sample.Train.ClassCounts(3));
        Assert.Equal(new[] { 30, 15, 5 }, sample.Validation.ClassCounts(3));
        Assert.Same(data.Test, sample.Test); // already no larger than asked
        Assert.Equal(sample.Train.Features.Select(f => labels[(int)f]), sample.Train.Labels); // rows stay whole
        Assert.Equal(sample.Train.Features.Order(), sample.Train.Features);                  // and in their order
        var again = StratifiedSample.Of(data, (100, 50, 1000), seed: 4);
        var other = StratifiedSample.Of(data, (100, 50, 1000), seed: 5);
        Assert.Equal(sample.Train.Features, again.Train.Features);
        Assert.NotEqual(sample.Train.Features, other.Train.Features);
        Assert.Equal(StratifiedSample.TfdSizes, (3374, 419, 385));
    }
}
