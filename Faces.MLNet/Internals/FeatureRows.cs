using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Faces.Torch.Native;
using Faces.Torch.Data;
using Faces.Torch.Training;
using static TorchSharp.torch;

namespace Faces.MLNet.Internals;

/// <summary>
/// Reads the rows of a known-size float-vector column (and optionally a key label) into a <see cref="FaceSplit"/>,
/// checking each row as it is copied (NaN, infinity and missing labels reported by row number): the boundary between
/// ML.NET's views and Faces' rows. A view that keeps Features row after row (<see cref="IRowMajorFeatures"/>) gives
/// its array itself, checked once, with no copy.
/// </summary>
internal static class FeatureRows
{
    /// <summary>The known vector size of <paramref name="column"/>, or an error naming the column and its actual type.</summary>
    public static int VectorSize(IExceptionContext host, DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType != NumberDataViewType.Single)
            throw host.Except($"Column '{column.Name}' must be a known-size vector of Single; it is {column.Type}.");
        return vector.Size;
    }

    public static FaceSplit Read(IExceptionContext host, IDataView data, string featureColumn, string? labelColumn = null, string name = "data")
    {
        var features = data.Schema.GetColumnOrNull(featureColumn)
            ?? throw host.Except($"Features column '{featureColumn}' not found in the data.");
        int dimension = VectorSize(host, features);
        DataViewSchema.Column? label = null;
        if (labelColumn != null)
        {
            label = data.Schema.GetColumnOrNull(labelColumn) ?? throw host.Except($"Label column '{labelColumn}' not found in the data.");
            if (label.Value.Type is not KeyDataViewType { RawType: var raw } || raw != typeof(uint))
                throw host.Except($"Label column '{labelColumn}' must be a key type (use MapValueToKey); it is {label.Value.Type}.");
        }

        if (InPlace(data, features, dimension) is { } array)
            return new FaceSplit(name, array, label == null ? null : ReadLabels(host, data, label.Value, labelColumn!, array.Length / dimension), dimension);
        // One buffer, sized from the row count when the view knows it (grown by doubling when it does not).
        long? known = data.GetRowCount();
        var flat = new float[checked((int)Math.Min((known ?? 256) * dimension, Array.MaxLength))];
        var labels = label == null ? Array.Empty<int>() : new int[known ?? 256];
        var active = label == null ? new[] { features } : new[] { features, label.Value };
        using var cursor = data.GetRowCursor(active);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = label == null ? null : cursor.GetGetter<uint>(label.Value);
        VBuffer<float> buffer = default;
        uint key = 0;
        int row = 0;
        while (cursor.MoveNext())
        {
            getFeatures(ref buffer);
            if (buffer.Length != dimension)
                throw host.Except($"Row {row}: column '{featureColumn}' has {buffer.Length} values; expected {dimension}.");
            if ((long)(row + 1) * dimension > flat.Length) Array.Resize(ref flat, checked((int)Math.Min(2L * flat.Length + dimension, Array.MaxLength)));
            CopyFinite(host, buffer, flat.AsSpan(row * dimension, dimension), featureColumn, row);
            if (getLabel != null)
            {
                getLabel(ref key);
                if (key == 0) throw host.Except($"Row {row}: the label in '{labelColumn}' is missing (key value 0).");
                if (row >= labels.Length) Array.Resize(ref labels, 2 * labels.Length + 1);
                labels[row] = (int)key - 1;
            }
            row++;
        }
        if (flat.Length != row * dimension) Array.Resize(ref flat, row * dimension);
        if (getLabel != null && labels.Length != row) Array.Resize(ref labels, row);
        return new FaceSplit(name, flat, getLabel == null ? null : labels, dimension, checkValues: false); // each row checked above
    }

    /// <summary>The view's own Features array, when it keeps every row so (<see cref="IRowMajorFeatures"/>) in one whole array.</summary>
    private static float[]? InPlace(IDataView data, DataViewSchema.Column features, int dimension) =>
        data is IRowMajorFeatures rowMajor && rowMajor.TryGetRows(features, out var rows)
        && System.Runtime.InteropServices.MemoryMarshal.TryGetArray(rows, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
        && segment.Count % dimension == 0 && data.GetRowCount() is long count && count * dimension == segment.Count
            ? segment.Array
            : null;

    /// <summary>The label column alone, 0-based, checked.</summary>
    private static int[] ReadLabels(IExceptionContext host, IDataView data, DataViewSchema.Column label, string labelColumn, int rows)
    {
        var labels = new int[rows];
        using var cursor = data.GetRowCursor(new[] { label });
        var getLabel = cursor.GetGetter<uint>(label);
        uint key = 0;
        int row = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref key);
            if (key == 0) throw host.Except($"Row {row}: the label in '{labelColumn}' is missing (key value 0).");
            if (row >= rows) throw host.Except($"The view has more rows than its Features array ({rows}).");
            labels[row++] = (int)key - 1;
        }
        return labels;
    }

    /// <summary>The rows as one [Count, Dimension] float32 tensor: the single place rows become a tensor, for every trainer.</summary>
    public static Tensor ToTensor(FaceSplit rows)
    {
        TorchRuntime.EnsureInitialized();
        return tensor(rows.Features, new long[] { rows.Count, rows.Dimension });
    }

    /// <summary>
    /// Copies a (dense or sparse) vector into <paramref name="destination"/>, failing on NaN or infinity with the row
    /// (when known, ≥ 0) and the slot named.
    /// </summary>
    public static void CopyFinite(IExceptionContext host, in VBuffer<float> source, Span<float> destination, string column, long row = -1)
    {
        if (source.IsDense && source.Length == destination.Length ? CopyAllFinite(source.GetValues(), destination) : CopyThenCheck(source, destination)) return;
        CheckFinite(host, destination, column, row);
    }

    /// <summary>Fails on the first NaN or infinity of one row's values, naming the row (when known, ≥ 0) and the slot.</summary>
    public static void CheckFinite(IExceptionContext host, ReadOnlySpan<float> values, string column, long row = -1)
    {
        for (int d = 0; d < values.Length; d++)
            if (!float.IsFinite(values[d]))
                throw host.Except($"{(row >= 0 ? $"Row {row}: " : "")}{column}[{d}] is {values[d]}; finite values are needed.");
    }

    private static bool CopyThenCheck(in VBuffer<float> source, Span<float> destination)
    {
        source.CopyTo(destination);
        return CopyAllFinite(destination, Span<float>.Empty);
    }

    /// <summary>
    /// Whether every value is finite, copying them to <paramref name="destination"/> on the way unless it is empty; one
    /// pass, a vector at a time: v − v is 0 for a finite v and NaN for ±∞ or NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool CopyAllFinite(ReadOnlySpan<float> values, Span<float> destination)
    {
        bool copy = !destination.IsEmpty;
        var sum = System.Numerics.Vector<float>.Zero;
        int width = System.Numerics.Vector<float>.Count, d = 0;
        for (; d <= values.Length - width; d += width)
        {
            var v = new System.Numerics.Vector<float>(values.Slice(d, width));
            if (copy) v.CopyTo(destination.Slice(d, width));
            sum += v - v;
        }
        bool finite = System.Numerics.Vector.EqualsAll(sum, System.Numerics.Vector<float>.Zero);
        for (; d < values.Length; d++)
        {
            if (copy) destination[d] = values[d];
            finite &= float.IsFinite(values[d]);
        }
        return finite;
    }
}
