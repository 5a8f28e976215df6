using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Faces.Torch.Kernels;

/// <summary>
/// A fully connected layer, y = b + x·Wᵀ, for a block of rows in SIMD loops, to score the MLP without libtorch.
/// <para><c>Wide</c> is for the image-sized first layer: each output is a dot product along the input, and a
/// tile of 4 rows × 4 outputs keeps 16 vector accumulators in registers, so each pair of loads feeds 2 fused
/// multiply-adds and the weights are read once per 4 rows.</para>
/// <para><see cref="Narrow"/> is for the small layers after it: each input value is broadcast against one row of the
/// transposed weights, padded to whole vectors, so each output vector needs no horizontal sum.</para>
/// Each output is computed in one fixed order whatever block, tile or thread it falls in, so a row's scores do not
/// depend on the rows scored with it. <c>Wide</c> reads its rows side by side in one span or from an array each
/// (the look-ahead cursor's rows, filled by their getters); the JIT compiles its loops once for each.
/// </summary>
internal static class DenseLayerKernel
{
    /// <summary>Rows per tile of <c>Wide</c>.</summary>
    private const int TileRows = 4;
    /// <summary>Outputs per tile of <c>Wide</c>.</summary>
    private const int TileOutputs = 4;

    /// <summary>Whether the loops run on this CPU at speed (else the caller scores with libtorch): 256-bit vectors and fused multiply-add.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported;

    /// <summary>
    /// y[r, j] = bias[j] + Σ_k x[r, k]·weights[j, k] for <paramref name="rows"/> rows; weights are [outputs, inputs] as
    /// libtorch's Linear keeps them.
    /// </summary>
    public static void Wide(ReadOnlySpan<float> x, int rows, int inputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
    {
        int outputs = bias.Length;
        CheckSizes(x, rows, inputs, weights.Length == outputs * inputs, y, outputs);
        Wide(new ContiguousRows(x, inputs), rows, inputs, weights, bias, y);
    }

    /// <summary>The same for rows kept one array each (at least <paramref name="inputs"/> values in every one).</summary>
    public static void Wide(ReadOnlySpan<float[]> rows, int inputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
    {
        int outputs = bias.Length;
        foreach (var row in rows)
            if (row.Length < inputs) throw new ArgumentException($"A row of {row.Length} values for a dense layer of {inputs} inputs.");
        if (inputs <= 0 || weights.Length != outputs * inputs || (long)rows.Length * outputs > y.Length)
            throw new ArgumentException($"A dense layer of {inputs} inputs and {outputs} outputs over {rows.Length} rows needs more values than it was given.");
        Wide(new ArrayRows(rows), rows.Length, inputs, weights, bias, y);
    }

    private static void Wide<TRows>(TRows x, int rows, int inputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        where TRows : IRowSource, allows ref struct
    {
        if (Vector512.IsHardwareAccelerated) Wide<Lanes512, Vector512<float>, TRows>(x, rows, inputs, weights, bias, y);
        else Wide<Lanes256, Vector256<float>, TRows>(x, rows, inputs, weights, bias, y);
    }

    /// <summary>Where a layer's input rows are: the JIT compiles the loops once per kind.</summary>
    private interface IRowSource
    {
        ref float Row(int r);
    }

    /// <summary>Rows one after another in one span.</summary>
    private readonly ref struct ContiguousRows(ReadOnlySpan<float> values, int width) : IRowSource
    {
        private readonly ReadOnlySpan<float> values = values;
        public ref float Row(int r) => ref Unsafe.Add(ref MemoryMarshal.GetReference(values), r * width);
    }

    /// <summary>Rows in an array each.</summary>
    private readonly ref struct ArrayRows(ReadOnlySpan<float[]> arrays) : IRowSource
    {
        private readonly ReadOnlySpan<float[]> arrays = arrays;
        public ref float Row(int r) => ref MemoryMarshal.GetArrayDataReference(arrays[r]);
    }

    /// <summary>
    /// The same for a layer whose weights come from <see cref="Transpose"/> ([inputs, padded outputs]); y has
    /// as many values per row as the padded bias, the padding zero.
    /// </summary>
    public static void Narrow(ReadOnlySpan<float> x, int rows, int inputs, ReadOnlySpan<float> transposed, ReadOnlySpan<float> paddedBias, Span<float> y)
    {
        int paddedOutputs = paddedBias.Length;
        CheckSizes(x, rows, inputs, transposed.Length == inputs * paddedOutputs && paddedOutputs % Vector256<float>.Count == 0, y, paddedOutputs);
        if (Vector512.IsHardwareAccelerated && paddedOutputs % Vector512<float>.Count == 0)
            Narrow<Lanes512, Vector512<float>>(x, rows, inputs, transposed, paddedBias, y);
        else Narrow<Lanes256, Vector256<float>>(x, rows, inputs, transposed, paddedBias, y);
    }

    /// <summary>The outputs <see cref="Narrow"/> computes for <paramref name="outputs"/>: whole vectors of this CPU.</summary>
    public static int PaddedOutputs(int outputs)
    {
        int lanes = Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        return (outputs + lanes - 1) / lanes * lanes;
    }

    /// <summary>[outputs, inputs] weights as [inputs, paddedOutputs] with zero columns, and the bias padded with zeros.</summary>
    public static (float[] Transposed, float[] Bias) Transpose(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias)
    {
        int outputs = bias.Length, inputs = weights.Length / outputs, padded = PaddedOutputs(outputs);
        var transposed = new float[inputs * padded];
        for (int j = 0; j < outputs; j++)
            for (int k = 0; k < inputs; k++)
                transposed[k * padded + j] = weights[j * inputs + k];
        var paddedBias = new float[padded];
        bias.CopyTo(paddedBias);
        return (transposed, paddedBias);
    }

    private static void CheckSizes(ReadOnlySpan<float> x, int rows, int inputs, bool weightsFit, Span<float> y, int outputs)
    {
        if (rows < 0 || inputs <= 0 || (long)rows * inputs > x.Length || (long)rows * outputs > y.Length || !weightsFit)
            throw new ArgumentException($"A dense layer of {inputs} inputs and {outputs} outputs over {rows} rows needs more values than it was given.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Wide<TLanes, TVector, TRows>(TRows x, int rows, int inputs, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, Span<float> y)
        where TLanes : struct, ILanes<TVector> where TVector : struct where TRows : IRowSource, allows ref struct
    {
        int outputs = bias.Length, vectorEnd = inputs - inputs % TLanes.Count;
        ref float w0 = ref MemoryMarshal.GetReference(weights);
        int r = 0;
        for (; r + TileRows <= rows; r += TileRows)
        {
            int j = 0;
            for (; j + TileOutputs <= outputs; j += TileOutputs)
                Tile<TLanes, TVector>(ref x.Row(r), ref x.Row(r + 1), ref x.Row(r + 2), ref x.Row(r + 3), ref Unsafe.Add(ref w0, j * inputs),
                    inputs, vectorEnd, bias.Slice(j), y.Slice(r * outputs + j), outputs);
            for (; j < outputs; j++)
                for (int t = 0; t < TileRows; t++)
                    y[(r + t) * outputs + j] = Dot<TLanes, TVector>(ref x.Row(r + t), ref Unsafe.Add(ref w0, j * inputs), inputs, vectorEnd, bias[j]);
        }
        for (; r < rows; r++)
            for (int j = 0; j < outputs; j++)
                y[r * outputs + j] = Dot<TLanes, TVector>(ref x.Row(r), ref Unsafe.Add(ref w0, j * inputs), inputs, vectorEnd, bias[j]);
    }

    /// <summary>
    /// 4 rows × 4 outputs. Each of the 16 sums takes the same steps as <see cref="Dot"/>: one vector accumulator over
    /// the input in order, its lanes summed, the scalar tail, then the bias. Pointers, not refs: with 8 refs live the
    /// JIT spilled the accumulators to the stack on every step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile<TLanes, TVector>(ref float x0Ref, ref float x1Ref, ref float x2Ref, ref float x3Ref, ref float wRef,
        int inputs, int vectorEnd, ReadOnlySpan<float> bias, Span<float> y, int outputs)
        where TLanes : struct, ILanes<TVector> where TVector : struct
    {
        TVector a00 = default, a01 = default, a02 = default, a03 = default;
        TVector a10 = default, a11 = default, a12 = default, a13 = default;
        TVector a20 = default, a21 = default, a22 = default, a23 = default;
        TVector a30 = default, a31 = default, a32 = default, a33 = default;
        fixed (float* x = &x0Ref, x1 = &x1Ref, x2 = &x2Ref, x3 = &x3Ref, w = &wRef)
        {
            float* w1 = w + inputs, w2 = w + 2 * inputs, w3 = w + 3 * inputs;
            for (int k = 0; k < vectorEnd; k += TLanes.Count)
            {
                TVector v0 = TLanes.Load(w + k), v1 = TLanes.Load(w1 + k), v2 = TLanes.Load(w2 + k), v3 = TLanes.Load(w3 + k);
                TVector row = TLanes.Load(x + k);
                a00 = TLanes.MultiplyAdd(row, v0, a00); a01 = TLanes.MultiplyAdd(row, v1, a01); a02 = TLanes.MultiplyAdd(row, v2, a02); a03 = TLanes.MultiplyAdd(row, v3, a03);
                row = TLanes.Load(x1 + k);
                a10 = TLanes.MultiplyAdd(row, v0, a10); a11 = TLanes.MultiplyAdd(row, v1, a11); a12 = TLanes.MultiplyAdd(row, v2, a12); a13 = TLanes.MultiplyAdd(row, v3, a13);
                row = TLanes.Load(x2 + k);
                a20 = TLanes.MultiplyAdd(row, v0, a20); a21 = TLanes.MultiplyAdd(row, v1, a21); a22 = TLanes.MultiplyAdd(row, v2, a22); a23 = TLanes.MultiplyAdd(row, v3, a23);
                row = TLanes.Load(x3 + k);
                a30 = TLanes.MultiplyAdd(row, v0, a30); a31 = TLanes.MultiplyAdd(row, v1, a31); a32 = TLanes.MultiplyAdd(row, v2, a32); a33 = TLanes.MultiplyAdd(row, v3, a33);
            }
        }
        // Every lane sum before any call: an accumulator live across a call is spilled on every step of the loop.
        float s00 = TLanes.Sum(a00), s01 = TLanes.Sum(a01), s02 = TLanes.Sum(a02), s03 = TLanes.Sum(a03);
        float s10 = TLanes.Sum(a10), s11 = TLanes.Sum(a11), s12 = TLanes.Sum(a12), s13 = TLanes.Sum(a13);
        float s20 = TLanes.Sum(a20), s21 = TLanes.Sum(a21), s22 = TLanes.Sum(a22), s23 = TLanes.Sum(a23);
        float s30 = TLanes.Sum(a30), s31 = TLanes.Sum(a31), s32 = TLanes.Sum(a32), s33 = TLanes.Sum(a33);
        Finish(s00, s01, s02, s03, ref x0Ref, ref wRef, inputs, vectorEnd, bias, y);
        Finish(s10, s11, s12, s13, ref x1Ref, ref wRef, inputs, vectorEnd, bias, y.Slice(outputs));
        Finish(s20, s21, s22, s23, ref x2Ref, ref wRef, inputs, vectorEnd, bias, y.Slice(2 * outputs));
        Finish(s30, s31, s32, s33, ref x3Ref, ref wRef, inputs, vectorEnd, bias, y.Slice(3 * outputs));
    }

    /// <summary>One row's 4 tile outputs: the scalar tail of the input added to each lane sum, then the bias.</summary>
    private static void Finish(float s0, float s1, float s2, float s3, ref float x, ref float w, int inputs, int vectorEnd, ReadOnlySpan<float> bias, Span<float> y)
    {
        y[0] = Tail(s0, ref x, ref w, inputs, vectorEnd) + bias[0];
        y[1] = Tail(s1, ref x, ref Unsafe.Add(ref w, inputs), inputs, vectorEnd) + bias[1];
        y[2] = Tail(s2, ref x, ref Unsafe.Add(ref w, 2 * inputs), inputs, vectorEnd) + bias[2];
        y[3] = Tail(s3, ref x, ref Unsafe.Add(ref w, 3 * inputs), inputs, vectorEnd) + bias[3];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot<TLanes, TVector>(ref float x, ref float w, int inputs, int vectorEnd, float bias)
        where TLanes : struct, ILanes<TVector> where TVector : struct
    {
        TVector sum = default;
        for (int k = 0; k < vectorEnd; k += TLanes.Count)
            sum = TLanes.MultiplyAdd(TLanes.Load(ref Unsafe.Add(ref x, k)), TLanes.Load(ref Unsafe.Add(ref w, k)), sum);
        return Tail(TLanes.Sum(sum), ref x, ref w, inputs, vectorEnd) + bias;
    }

    private static float Tail(float sum, ref float x, ref float w, int inputs, int vectorEnd)
    {
        for (int k = vectorEnd; k < inputs; k++) sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref x, k), Unsafe.Add(ref w, k), sum);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Narrow<TLanes, TVector>(ReadOnlySpan<float> x, int rows, int inputs, ReadOnlySpan<float> transposed, ReadOnlySpan<float> paddedBias, Span<float> y)
        where TLanes : struct, ILanes<TVector> where TVector : struct
    {
        int padded = paddedBias.Length;
        ref float t0 = ref MemoryMarshal.GetReference(transposed), b0 = ref MemoryMarshal.GetReference(paddedBias), y0 = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * inputs, inputs);
            for (int j = 0; j < padded; j += TLanes.Count)
            {
                TVector sum = TLanes.Load(ref Unsafe.Add(ref b0, j));
                for (int k = 0; k < inputs; k++)
                    sum = TLanes.MultiplyAdd(TLanes.Broadcast(row[k]), TLanes.Load(ref Unsafe.Add(ref t0, k * padded + j)), sum);
                TLanes.Store(sum, ref Unsafe.Add(ref y0, r * padded + j));
            }
        }
    }

    /// <summary>The vector operations the loops use, for 512- and 256-bit vectors (the JIT specialises each).</summary>
    private interface ILanes<TVector> where TVector : struct
    {
        static abstract int Count { get; }
        static abstract TVector Load(ref float source);
        static abstract unsafe TVector Load(float* source);
        static abstract TVector Broadcast(float value);
        static abstract void Store(TVector value, ref float destination);
        static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);
        static abstract float Sum(TVector value);
    }

    private readonly struct Lanes512 : ILanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;
        public static Vector512<float> Load(ref float source) => Vector512.LoadUnsafe(ref source);
        public static unsafe Vector512<float> Load(float* source) => Vector512.Load(source);
        public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
        public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);
        public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend) => Vector512.FusedMultiplyAdd(left, right, addend);
        public static float Sum(Vector512<float> value) => Vector512.Sum(value);
    }

    private readonly struct Lanes256 : ILanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;
        public static Vector256<float> Load(ref float source) => Vector256.LoadUnsafe(ref source);
        public static unsafe Vector256<float> Load(float* source) => Vector256.Load(source);
        public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
        public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);
        public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend) => Vector256.FusedMultiplyAdd(left, right, addend);
        public static float Sum(Vector256<float> value) => Vector256.Sum(value);
    }
}
