using System.Runtime.CompilerServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Faces.Torch.Native;
using Faces.Torch.Training;
using static TorchSharp.torch;

namespace Faces.MLNet.Internals;

/// <summary>
/// The rows of a known-size float-vector column (and optionally a key label), read once into one flat array, with
/// NaN/infinity and missing labels reported by row number; <see cref="ToTensor"/> is the one way rows become a tensor.
/// </summary>
internal sealed class FeatureRows
{
    /// <summary>Row-major [Count, Dimension].</summary>
    public float[] Features { get; }
    /// <summary>0-based class index per row (key value − 1), or empty when no label column was read.</summary>
    public int[] Labels { get; }
    public int Count { get; }
    public int Dimension { get; }

    private FeatureRows(float[] features, int[] labels, int count, int dimension)
    {
        Features = features;
        Labels = labels;
        Count = count;
        Dimension = dimension;
    }

    /// <summary>The known vector size of <paramref name="column"/>, or an error naming the column and its actual type.</summary>
    public static int VectorSize(IExceptionContext host, DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType != NumberDataViewType.Single)
            throw host.Except($"Column '{column.Name}' must be a known-size vector of Single; it is {column.Type}.");
        return vector.Size;
    }

    public static FeatureRows Read(IExceptionContext host, IDataView data, string featureColumn, string? labelColumn = null)
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
        return new FeatureRows(flat, labels, row, dimension);
    }

    /// <summary>The rows as one [Count, Dimension] float32 tensor: the single place rows become a tensor, for every trainer.</summary>
    public Tensor ToTensor()
    {
        TorchRuntime.EnsureInitialized();
        return tensor(Features, new long[] { Count, Dimension });
    }

    /// <summary>Rows and labels as the networks' training tensors.</summary>
    public LabeledTensors ToLabeledTensors(int classes, string name) => LabeledTensors.FromArrays(Features, Labels, Dimension, classes, name);

    /// <summary>The row indices of each class, for splitting <see cref="ToTensor"/> by class.</summary>
    public long[][] RowsByClass(int classes)
    {
        var lists = Enumerable.Range(0, classes).Select(_ => new List<long>()).ToArray();
        for (int n = 0; n < Count; n++) lists[Labels[n]].Add(n);
        return lists.Select(l => l.ToArray()).ToArray();
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
