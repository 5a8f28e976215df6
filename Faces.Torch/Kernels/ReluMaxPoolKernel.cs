using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Faces.Torch.Kernels;

/// <summary>
/// max(0, max of each k×k window) over planes [height, width] (stride k, remainders dropped), and for each window the
/// element that max_pool2d over ReLU sends the gradient to: the first maximum in row-major order, or none
/// (<see cref="NoGradient"/>) when the maximum is not positive, where ReLU's gradient is zero. NaN wins a window,
/// as in max_pool2d, and passes no gradient (ReLU's backward drops it too).
/// float32 with AVX2 runs 8 windows at a time: by rows with lane permutes where a row has at least 8 windows and
/// k ≤ 8, else with one gather per window element. A version that took column maxima with SIMD and then scanned
/// windows in scalar code measured 15 ns a window (store-forwarding stalls, branch mispredictions), slower than the
/// libtorch max_pool2d it meant to replace; gathers measured 3–9 ns per 8 elements here.
/// Kernels are compiled fully optimised on first use (AggressiveOptimization), not after tiering.
/// </summary>
internal static class ReluMaxPoolKernel
{
    /// <summary>Marks a window that passes no gradient back.</summary>
    public const int NoGradient = -1;

    /// <summary>Offset of each window's top-left element within a plane, in output order.</summary>
    public static int[] WindowOffsets(int height, int width, int k)
    {
        int pooledHeight = height / k, pooledWidth = width / k;
        var offsets = new int[pooledHeight * pooledWidth];
        for (int py = 0; py < pooledHeight; py++)
            for (int px = 0; px < pooledWidth; px++)
                offsets[py * pooledWidth + px] = py * k * width + px * k;
        return offsets;
    }

    /// <summary>
    /// Pools <paramref name="planes"/> planes of <paramref name="input"/>; <paramref name="positions"/> receives, per
    /// window, the absolute offset of the element its gradient goes to, or <see cref="NoGradient"/>.
    /// </summary>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> output, Span<int> positions, int planes, int height, int width, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var offsets = WindowOffsets(height, width, k);
        int windowsPerPlane = offsets.Length, lanes = Vector256<float>.Count;
        bool simd = typeof(T) == typeof(float) && Avx2.IsSupported;
        bool byRows = simd && k >= 2 && k <= lanes && width / k >= lanes;
        bool gather = simd && windowsPerPlane >= lanes;
        for (int plane = 0; plane < planes; plane++)
        {
            int planeStart = plane * height * width, outputStart = plane * windowsPerPlane;
            if (byRows)
                ForwardRows(MemoryMarshal.Cast<T, float>(input), MemoryMarshal.Cast<T, float>(output),
                    positions, height, width, k, planeStart, outputStart);
            else if (gather)
                ForwardGather(MemoryMarshal.Cast<T, float>(input), MemoryMarshal.Cast<T, float>(output),
                    positions, width, k, windowsPerPlane, planeStart, outputStart, offsets);
            else
                ForwardScalar(input, output, positions, width, k, windowsPerPlane, planeStart, outputStart, offsets);
        }
    }

    /// <summary>
    /// 8 windows of one output row at a time without gathers: the maxima of the k·8 columns over the window's k rows
    /// (contiguous loads, keeping the first row that reached each), then, for each column offset dx in the window,
    /// the 8 windows' values picked out of those k vectors by lane permutes; ties go to the earlier row, then to the
    /// smaller dx, which is row-major order. The last group of a row overlaps the one before it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRows(ReadOnlySpan<float> input, Span<float> output, Span<int> positions, int height, int width, int k,
        int planeStart, int outputStart)
    {
        const int lanes = 8;
        int pooledHeight = height / k, pooledWidth = width / k;
        // Window w's column dx is column k·w + dx of the group: lane (k·w + dx) mod 8 of vector (k·w + dx) / 8.
        Span<Vector256<int>> pick = stackalloc Vector256<int>[k];
        Span<Vector256<int>> source = stackalloc Vector256<int>[k];
        for (int dx = 0; dx < k; dx++)
        {
            pick[dx] = (Vector256<int>.Indices * k + Vector256.Create(dx)) & Vector256.Create(lanes - 1);
            source[dx] = (Vector256<int>.Indices * k + Vector256.Create(dx)) >>> 3;
        }
        Span<Vector256<float>> columnMax = stackalloc Vector256<float>[k];
        Span<Vector256<float>> columnRow = stackalloc Vector256<float>[k];
        var none = Vector256.Create(NoGradient);
        ref float inputRef = ref MemoryMarshal.GetReference(input);
        for (int py = 0; py < pooledHeight; py++)
        {
            int top = planeStart + py * k * width;
            for (int next = 0; ; next += lanes)
            {
                int first = Math.Min(next, pooledWidth - lanes), column = first * k;
                for (int v = 0; v < k; v++)
                {
                    int at = top + column + v * lanes;
                    var max = Vector256.LoadUnsafe(ref inputRef, (nuint)at);
                    var row = Vector256<float>.Zero;
                    for (int dy = 1; dy < k; dy++)
                    {
                        var value = Vector256.LoadUnsafe(ref inputRef, (nuint)(at + dy * width));
                        var wins = Vector256.GreaterThan(value, max) | (Vector256.IsNaN(value) & ~Vector256.IsNaN(max));
                        max = Vector256.ConditionalSelect(wins, value, max);
                        row = Vector256.ConditionalSelect(wins, Vector256.Create((float)dy), row);
                    }
                    columnMax[v] = max;
                    columnRow[v] = row;
                }
                var best = Pick(columnMax, pick[0], source[0], k);
                var bestRow = Pick(columnRow, pick[0], source[0], k);
                var bestDx = Vector256<int>.Zero;
                for (int dx = 1; dx < k; dx++)
                {
                    var value = Pick(columnMax, pick[dx], source[dx], k);
                    var row = Pick(columnRow, pick[dx], source[dx], k);
                    var wins = Vector256.GreaterThan(value, best) | (Vector256.IsNaN(value) & ~Vector256.IsNaN(best))
                               | (Vector256.Equals(value, best) & Vector256.LessThan(row, bestRow));
                    best = Vector256.ConditionalSelect(wins, value, best);
                    bestRow = Vector256.ConditionalSelect(wins, row, bestRow);
                    bestDx = Vector256.ConditionalSelect(wins.AsInt32(), Vector256.Create(dx), bestDx);
                }
                var position = Vector256.Create(top + column) + Vector256.ConvertToInt32(bestRow) * width + Vector256<int>.Indices * k + bestDx;
                var passes = Vector256.GreaterThan(best, Vector256<float>.Zero);
                int at0 = outputStart + py * pooledWidth + first;
                Vector256.ConditionalSelect(passes | Vector256.IsNaN(best), best, Vector256<float>.Zero).StoreUnsafe(ref output[0], (nuint)at0);
                Vector256.ConditionalSelect(passes.AsInt32(), position, none).StoreUnsafe(ref positions[0], (nuint)at0);
                if (first == pooledWidth - lanes) break;
            }
        }
    }

    /// <summary>Lane w of the result is lane pick[w] of vector source[w] among the first k of <paramref name="vectors"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pick(Span<Vector256<float>> vectors, Vector256<int> pick, Vector256<int> source, int k)
    {
        var result = Avx2.PermuteVar8x32(vectors[0], pick);
        for (int v = 1; v < k; v++)
            result = Vector256.ConditionalSelect(Vector256.Equals(source, Vector256.Create(v)).AsSingle(), Avx2.PermuteVar8x32(vectors[v], pick), result);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardGather(ReadOnlySpan<float> input, Span<float> output, Span<int> positions, int width, int k,
        int windows, int planeStart, int outputStart, int[] offsets)
    {
        int lanes = Vector256<float>.Count;
        var none = Vector256.Create(NoGradient);
        fixed (float* source = input)
        {
            // The last group overlaps the one before it: windows pooled twice get the same results.
            for (int next = 0; ; next += lanes)
            {
                int group = Math.Min(next, windows - lanes);
                var corner = Vector256.LoadUnsafe(ref offsets[0], (nuint)group) + Vector256.Create(planeStart);
                var max = Avx2.GatherVector256(source, corner, 4);
                var position = corner;
                for (int dy = 0; dy < k; dy++)
                    for (int dx = dy == 0 ? 1 : 0; dx < k; dx++)
                    {
                        var index = corner + Vector256.Create(dy * width + dx);
                        var v = Avx2.GatherVector256(source, index, 4);
                        var wins = Vector256.GreaterThan(v, max) | (Vector256.IsNaN(v) & ~Vector256.IsNaN(max));
                        max = Vector256.ConditionalSelect(wins, v, max);
                        position = Vector256.ConditionalSelect(wins.AsInt32(), index, position);
                    }
                var passes = Vector256.GreaterThan(max, Vector256<float>.Zero);
                Vector256.ConditionalSelect(passes | Vector256.IsNaN(max), max, Vector256<float>.Zero)
                    .StoreUnsafe(ref output[0], (nuint)(outputStart + group));
                Vector256.ConditionalSelect(passes.AsInt32(), position, none).StoreUnsafe(ref positions[0], (nuint)(outputStart + group));
                if (group == windows - lanes) return;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardScalar<T>(ReadOnlySpan<T> input, Span<T> output, Span<int> positions, int width, int k,
        int windows, int planeStart, int outputStart, int[] offsets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int window = 0; window < windows; window++)
        {
            int corner = planeStart + offsets[window], position = corner;
            T max = input[corner];
            for (int dy = 0; dy < k; dy++)
                for (int dx = dy == 0 ? 1 : 0; dx < k; dx++)
                {
                    int index = corner + dy * width + dx;
                    T v = input[index];
                    if (v > max || (T.IsNaN(v) && !T.IsNaN(max))) { max = v; position = index; }
                }
            bool passes = max > T.Zero;
            output[outputStart + window] = passes || T.IsNaN(max) ? max : T.Zero;
            positions[outputStart + window] = passes ? position : NoGradient;
        }
    }

    /// <summary>Sends each window's gradient to its recorded element; the caller zeroed <paramref name="gradInput"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> positions, Span<T> gradInput) where T : unmanaged
    {
        for (int window = 0; window < positions.Length; window++)
        {
            int position = positions[window];
            if (position != NoGradient) gradInput[position] = gradOutput[window];
        }
    }
}
