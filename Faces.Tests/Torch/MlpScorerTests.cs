using Faces.Torch.Models;
using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.Tests.Torch;

/// <summary>The MLP scored by C# loops (what ML.NET's Transform runs) against libtorch's forward pass on the same weights.</summary>
public sealed class MlpScorerTests
{
    public MlpScorerTests() => TorchRuntime.EnsureInitialized();

    /// <summary>An MLP with every weight and bias random (the study's initialisation zeroes biases, which would hide a lost bias).</summary>
    private static FacesNetwork Network(int inputs, int[] hidden, int classes, int seed)
    {
        var network = FacesNetwork.Create(new MlpArchitecture { Inputs = inputs, Hidden = hidden, Classes = classes }, seed);
        var generator = new Generator((ulong)seed);
        using (no_grad())
            foreach (var layer in ((Mlp)network.Module).Layers)
            {
                layer.weight!.copy_(randn(layer.weight.shape, generator: generator) * 0.2);
                layer.bias!.copy_(randn(layer.bias.shape, generator: generator));
            }
        return network;
    }

    private static float[] RandomRows(int count, int inputs, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count * inputs).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    // inputs, hidden widths, classes, rows. Inputs: the study's 2304, Fashion-MNIST's 784, 37 (vectors and a scalar tail),
    // 6 (the tail alone). Widths: whole tiles of 4 (16, 8), not (6, 3 classes), none. Rows: tiles of 4 and a remainder,
    // several blocks of 64 (130).
    public static TheoryData<int, int[], int, int> Shapes => new()
    {
        { 2304, new[] { 16, 32 }, 7, 130 },
        { 784, new[] { 24, 40 }, 10, 13 },
        { 37, new[] { 6 }, 3, 9 },
        { 6, new[] { 4 }, 3, 5 },
        { 37, Array.Empty<int>(), 7, 11 },
    };

    [SimdTheory]
    [MemberData(nameof(Shapes))]
    public void Probabilities_equal_libtorchs_forward_pass_to_float_rounding(int inputs, int[] hidden, int classes, int count)
    {
        using var network = Network(inputs, hidden, classes, 11);
        var scorer = Assert.IsType<MlpScorer>(MlpScorer.TryCreate(network));
        Assert.Equal((inputs, classes), (scorer.Inputs, scorer.Classes));
        var rows = RandomRows(count, inputs, 4);
        var expected = network.PredictProbabilities(rows, count);
        var actual = new float[count * classes];
        Assert.Equal(-1, scorer.Probabilities(rows, count, actual, threads: 2));
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(worst < 2e-6, $"largest difference from libtorch {worst:E2}");
        // Not a near-uniform answer that would match anything: the rows' probabilities differ clearly.
        Assert.True(expected.Max() - expected.Min() > 0.2);
    }

    [SimdFact]
    public void A_rows_probabilities_are_the_same_bits_alone_in_any_batch_and_on_any_thread_count()
    {
        // 37 inputs: two 16-lane vectors (or four of 8) and a scalar tail; 6 hidden units: a tile of 4 and 2 by dot products.
        const int inputs = 37, classes = 3, count = 150;
        using var network = Network(inputs, new[] { 6, 5 }, classes, 12);
        var scorer = MlpScorer.TryCreate(network)!;
        var rows = RandomRows(count, inputs, 6);
        var batch = new float[count * classes];
        scorer.Probabilities(rows, count, batch, threads: 1);
        var parallel = new float[count * classes];
        scorer.Probabilities(rows, count, parallel, threads: 2);
        Assert.Equal(batch, parallel);
        // Row 5 sits in a 4-row tile inside the batch; alone it takes the single-row path. Row 149 is a block's remainder.
        foreach (int row in new[] { 0, 5, 67, 149 })
        {
            var alone = new float[classes];
            scorer.Probabilities(rows.AsMemory(row * inputs, inputs), 1, alone);
            Assert.Equal(batch.AsSpan(row * classes, classes).ToArray(), alone);
        }
    }

    [SimdFact]
    public void A_batch_shared_by_threads_that_join_at_different_times_is_scored_whole_and_alike()
    {
        // How the look-ahead cursor scores: pool threads start on a batch, the cursor's own thread joins later.
        const int inputs = 50, classes = 4, count = 12 * MlpScorer.BlockRows + 5;
        using var network = Network(inputs, new[] { 8, 8 }, classes, 15);
        var scorer = MlpScorer.TryCreate(network)!;
        var rows = RandomRows(count, inputs, 8);
        rows[700 * inputs + 1] = float.NaN; // in block 10 of 13
        var expected = new float[count * classes];
        Assert.Equal(700, scorer.Probabilities(rows, count, expected, threads: 1));

        var shared = Enumerable.Repeat(float.NegativeZero, count * classes).ToArray(); // no score is −0: a block left out shows
        var batch = scorer.Start(rows, count, shared);
        var helpers = Enumerable.Range(0, 2).Select(_ => Task.Run(batch.Help)).ToArray();
        Thread.Sleep(1);
        batch.Help();
        Task.WaitAll(helpers);
        Assert.Equal(700, batch.FirstNonFiniteRow);
        Assert.Equal(expected, shared);
        batch.Help(); // nothing left: a late helper does no block twice
        Assert.Equal(expected, shared);
    }

    [SimdFact]
    public void Rows_kept_one_array_each_score_as_the_same_rows_side_by_side()
    {
        const int inputs = 37, classes = 3, count = 2 * MlpScorer.BlockRows + 7;
        using var network = Network(inputs, new[] { 8, 5 }, classes, 16);
        var scorer = MlpScorer.TryCreate(network)!;
        var rows = RandomRows(count, inputs, 9);
        var expected = new float[count * classes];
        scorer.Probabilities(rows, count, expected, threads: 2);
        // Arrays longer than a row (as a reused buffer may be), in an order unlike their memory.
        var arrays = Enumerable.Range(0, count).Select(r => rows.AsSpan(r * inputs, inputs).ToArray().Concat(new[] { float.NaN }).ToArray()).ToArray();
        var actual = new float[count * classes];
        var batch = scorer.Start(arrays, count, actual);
        batch.Help();
        Assert.Equal(-1, batch.FirstNonFiniteRow);
        Assert.Equal(expected, actual);
        Assert.Throws<ArgumentException>(() => scorer.Start(new[] { new float[inputs - 1] }, 1, new float[classes]));
    }

    [SimdFact]
    public void The_first_row_that_is_not_finite_is_reported_across_blocks()
    {
        const int inputs = 40, count = 200;
        using var network = Network(inputs, new[] { 8 }, 3, 13);
        var scorer = MlpScorer.TryCreate(network)!;
        var rows = RandomRows(count, inputs, 7);
        var probabilities = new float[count * 3];
        Assert.Equal(-1, scorer.Probabilities(rows, count, probabilities, threads: 2));
        rows[150 * inputs + 39] = float.NaN;         // block 2, in the scalar tail
        Assert.Equal(150, scorer.Probabilities(rows, count, probabilities, threads: 2));
        rows[70 * inputs + 2] = float.NegativeInfinity; // block 1: the first bad row wins, whichever block finishes first
        Assert.Equal(70, scorer.Probabilities(rows, count, probabilities, threads: 2));
        for (int d = 0; d < inputs; d++) rows[3 * inputs + d] = float.MaxValue; // finite, but the first layer overflows
        Assert.Equal(3, scorer.Probabilities(rows, count, probabilities, threads: 2));
    }

    [SimdFact]
    public void Sizes_are_checked_and_other_networks_are_left_to_libtorch()
    {
        using var network = Network(10, new[] { 4 }, 3, 14);
        var scorer = MlpScorer.TryCreate(network)!;
        Assert.Throws<ArgumentException>(() => scorer.Probabilities(new float[29], 3, new float[9]));
        Assert.Throws<ArgumentException>(() => scorer.Probabilities(new float[30], 3, new float[8]));
        using var cnn = FacesNetwork.Create(new CnnArchitecture(), 1);
        Assert.Null(MlpScorer.TryCreate(cnn));
    }
}
