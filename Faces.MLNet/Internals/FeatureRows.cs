using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Internals;

/// <summary>
/// The rows of a known-size float-vector column (and optionally a key label), read once into one flat array, with
/// NaN/infinity and missing labels reported by row number.
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

        var flat = new List<float>();
        var labels = new List<int>();
        var active = label == null ? new[] { features } : new[] { features, label.Value };
        using var cursor = data.GetRowCursor(active);
        var getFeatures = cursor.GetGetter<VBuffer<float>>(features);
        var getLabel = label == null ? null : cursor.GetGetter<uint>(label.Value);
        VBuffer<float> buffer = default;
        uint key = 0;
        int row = 0;
        var dense = new float[dimension];
        while (cursor.MoveNext())
        {
            getFeatures(ref buffer);
            if (buffer.Length != dimension)
                throw host.Except($"Row {row}: column '{featureColumn}' has {buffer.Length} values; expected {dimension}.");
            CopyFinite(host, buffer, dense, featureColumn, row);
            if (getLabel != null)
            {
                getLabel(ref key);
                if (key == 0) throw host.Except($"Row {row}: the label in '{labelColumn}' is missing (key value 0).");
                labels.Add((int)key - 1);
            }
            flat.AddRange(dense);
            row++;
        }
        return new FeatureRows(flat.ToArray(), labels.ToArray(), row, dimension);
    }

    /// <summary>
    /// Copies a (dense or sparse) vector into <paramref name="destination"/>, failing on NaN or infinity with the row
    /// (when known, ≥ 0) and the slot named.
    /// </summary>
    public static void CopyFinite(IExceptionContext host, in VBuffer<float> source, Span<float> destination, string column, long row = -1)
    {
        source.CopyTo(destination);
        for (int d = 0; d < destination.Length; d++)
            if (!float.IsFinite(destination[d]))
                throw host.Except($"{(row >= 0 ? $"Row {row}: " : "")}{column}[{d}] is {destination[d]}; finite values are needed.");
    }

    /// <summary>Row <paramref name="n"/> as its own array.</summary>
    public float[] Row(int n) => Features.AsSpan(n * Dimension, Dimension).ToArray();
}
