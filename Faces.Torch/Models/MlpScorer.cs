using System.Buffers;
using Faces.Torch.Kernels;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// An MLP's class probabilities from a copy of its weights, in C# SIMD loops instead of libtorch: what ML.NET scoring
/// of the MLP runs. The study's MLP is small (2304 → 16 → 32 → 7): a row costs ~74 thousand multiply-adds, almost all
/// in the first layer, so its cost is reading the row. These loops read each row once, straight from the caller's
/// memory (libtorch needs it copied into a tensor first), and libtorch's fixed cost per call is gone.
/// <para>Rows go in blocks of <see cref="BlockRows"/>, blocks across threads. A row's probabilities are computed in
/// one fixed order, so they are the same bits alone, in any batch and with any thread count; they differ from
/// libtorch's forward pass by float32 rounding only (summation order).</para>
/// </summary>
public sealed class MlpScorer
{
    /// <summary>Rows per block: a block's activations stay in L1, and a batch of 512 rows gives each core several blocks.</summary>
    public const int BlockRows = 64;

    private readonly float[] firstWeights; // [width₁, inputs], as libtorch's Linear keeps it
    private readonly float[] firstBias;
    private readonly Layer[] later;        // transposed and padded (DenseLayerKernel.Narrow)
    private readonly int widest;           // the most values a row has between layers

    private sealed record Layer(float[] Transposed, float[] Bias, int Inputs, int Outputs);

    /// <summary>Whether this CPU runs the loops (256-bit SIMD with fused multiply-add); where not, MLPs are scored by libtorch.</summary>
    public static bool IsSupported => DenseLayerKernel.IsSupported;

    /// <summary>Values per input row.</summary>
    public int Inputs { get; }

    /// <summary>Probabilities per row.</summary>
    public int Classes { get; }

    private MlpScorer(float[][] weights, float[][] biases, int inputs)
    {
        Inputs = inputs;
        firstWeights = weights[0];
        firstBias = biases[0];
        var layers = new List<Layer>();
        int stride = firstBias.Length; // the first layer's outputs are not padded
        for (int l = 1; l < weights.Length; l++)
        {
            int outputs = biases[l].Length, layerInputs = weights[l].Length / outputs;
            // The previous layer's padding columns are zero (zero weights, zero bias): rows of zeros here ignore them.
            var widened = new float[outputs * stride];
            for (int j = 0; j < outputs; j++) weights[l].AsSpan(j * layerInputs, layerInputs).CopyTo(widened.AsSpan(j * stride));
            var (transposed, bias) = DenseLayerKernel.Transpose(widened, biases[l]);
            layers.Add(new Layer(transposed, bias, stride, outputs));
            stride = bias.Length;
        }
        later = layers.ToArray();
        widest = Math.Max(firstBias.Length, later.Length == 0 ? 0 : later.Max(l => l.Bias.Length));
        Classes = biases[^1].Length;
    }

    /// <summary>A scorer for <paramref name="network"/>, or null where these loops do not apply (not an MLP, not on the
    /// CPU in float32, or a CPU without 256-bit SIMD): the caller then uses libtorch.</summary>
    public static MlpScorer? TryCreate(FacesNetwork network)
    {
        if (!IsSupported || network.Module is not Mlp mlp || network.Device.type != TorchSharp.DeviceType.CPU) return null;
        var layers = mlp.Layers.ToList();
        if (layers.Any(l => l.weight!.dtype != ScalarType.Float32 || l.bias is null)) return null;
        using var scope = NewDisposeScope();
        var weights = layers.Select(l => l.weight!.detach().contiguous().data<float>().ToArray()).ToArray();
        var biases = layers.Select(l => l.bias!.detach().contiguous().data<float>().ToArray()).ToArray();
        return new MlpScorer(weights, biases, (int)layers[0].weight!.shape[1]);
    }

    /// <summary>
    /// Probabilities of <paramref name="count"/> rows of <paramref name="rows"/> (row after row) into
    /// <paramref name="probabilities"/> ([count × classes]), on up to <paramref name="threads"/> threads. Returns the
    /// first row whose first layer is not finite (a NaN or infinite input, or one too large), or −1.
    /// </summary>
    public int Probabilities(ReadOnlyMemory<float> rows, int count, Memory<float> probabilities, int threads = 1)
    {
        var batch = Start(rows, count, probabilities);
        if (threads <= 1 || count <= BlockRows) batch.Help();
        else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => batch.Help());
        return batch.FirstNonFiniteRow;
    }

    /// <summary>
    /// The same rows as a <see cref="Batch"/> that any threads may work on together: each thread that calls
    /// <see cref="Batch.Help"/> scores blocks until none are left. A reader can start one thread on a batch, read the
    /// next batch, then help with what is left.
    /// </summary>
    public Batch Start(ReadOnlyMemory<float> rows, int count, Memory<float> probabilities)
    {
        if (count < 0 || (long)count * Inputs > rows.Length || (long)count * Classes > probabilities.Length)
            throw new ArgumentException($"{count} rows need {(long)count * Inputs} input values and room for {(long)count * Classes} probabilities; " +
                                        $"got {rows.Length} and {probabilities.Length}.");
        return new Batch(this, rows, null, count, probabilities);
    }

    /// <summary>The same for rows kept one array each (each at least <see cref="Inputs"/> long): the bits are those of the rows side by side.</summary>
    public Batch Start(float[][] rows, int count, Memory<float> probabilities)
    {
        if (count < 0 || count > rows.Length || (long)count * Classes > probabilities.Length || rows.Take(count).Any(r => r.Length < Inputs))
            throw new ArgumentException($"{count} rows of {Inputs} values each need room for {(long)count * Classes} probabilities; " +
                                        $"got {rows.Length} rows and {probabilities.Length}.");
        return new Batch(this, default, rows, count, probabilities);
    }

    /// <summary>Rows being scored block by block by whichever threads call <see cref="Help"/>.</summary>
    public sealed class Batch
    {
        private readonly MlpScorer scorer;
        private readonly ReadOnlyMemory<float> rows;  // side by side, or
        private readonly float[][]? rowArrays;        // one array each
        private readonly Memory<float> probabilities;
        private readonly int count;
        private readonly int[] firstBad; // per block: its first row that is not finite, or −1
        private int claimed;             // blocks handed out so far (Interlocked)

        internal Batch(MlpScorer scorer, ReadOnlyMemory<float> rows, float[][]? rowArrays, int count, Memory<float> probabilities)
        {
            this.scorer = scorer;
            this.rows = rows;
            this.rowArrays = rowArrays;
            this.count = count;
            this.probabilities = probabilities;
            firstBad = new int[(count + BlockRows - 1) / BlockRows];
        }

        /// <summary>Scores blocks not yet taken by another thread until none are left; returns when this thread has no more to do.</summary>
        public void Help()
        {
            int inputs = scorer.Inputs, classes = scorer.Classes;
            for (int block; (block = Interlocked.Increment(ref claimed) - 1) < firstBad.Length;)
            {
                int start = block * BlockRows, size = Math.Min(BlockRows, count - start);
                var output = probabilities.Span.Slice(start * classes, size * classes);
                int bad = rowArrays == null
                    ? scorer.Block(rows.Span.Slice(start * inputs, size * inputs), default, size, output)
                    : scorer.Block(default, rowArrays.AsSpan(start, size), size, output);
                firstBad[block] = bad < 0 ? -1 : start + bad;
            }
        }

        /// <summary>Once every thread's <see cref="Help"/> has returned: the first row whose first layer is not finite, or −1.</summary>
        public int FirstNonFiniteRow => firstBad.FirstOrDefault(b => b >= 0, -1);
    }

    /// <summary>
    /// One block through every layer (its rows in <paramref name="x"/>, or one array each in <paramref name="arrays"/>
    /// when that is not empty); the first row (in the block) whose first layer is not finite, or −1.
    /// </summary>
    private int Block(ReadOnlySpan<float> x, ReadOnlySpan<float[]> arrays, int rows, Span<float> probabilities)
    {
        var buffers = ArrayPool<float>.Shared.Rent(2 * rows * widest);
        try
        {
            Span<float> current = buffers.AsSpan(0, rows * widest), next = buffers.AsSpan(rows * widest, rows * widest);
            int width = firstBias.Length;
            if (arrays.IsEmpty) DenseLayerKernel.Wide(x, rows, Inputs, firstWeights, firstBias, current);
            else DenseLayerKernel.Wide(arrays, Inputs, firstWeights, firstBias, current);
            int bad = FirstNonFiniteRow(current.Slice(0, rows * width), width);
            foreach (var layer in later)
            {
                Relu(current.Slice(0, rows * width));
                DenseLayerKernel.Narrow(current, rows, layer.Inputs, layer.Transposed, layer.Bias, next);
                width = layer.Bias.Length;
                var swap = current; current = next; next = swap;
            }
            for (int r = 0; r < rows; r++) Softmax(current.Slice(r * width, Classes), probabilities.Slice(r * Classes, Classes));
            return bad;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffers);
        }
    }

    private static int FirstNonFiniteRow(ReadOnlySpan<float> values, int width)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i / width;
        return -1;
    }

    /// <summary>max(v, 0), keeping NaN (so a bad value still reaches the output check).</summary>
    private static void Relu(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (values[i] < 0) values[i] = 0;
    }

    /// <summary>exp(l − max) / Σ exp(l − max), as libtorch's softmax computes it.</summary>
    private static void Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        float max = logits[0];
        for (int c = 1; c < logits.Length; c++) max = MathF.Max(max, logits[c]);
        float sum = 0;
        for (int c = 0; c < logits.Length; c++) sum += probabilities[c] = MathF.Exp(logits[c] - max);
        for (int c = 0; c < logits.Length; c++) probabilities[c] /= sum;
    }
}
