namespace Faces.Torch.Data;

/// <summary>
/// Rows of one split (train, valid, test, or rows read from an ML.NET view): row-major float features and a 0-based
/// class index per row — the one row-and-label type of Faces, from the loaders to the trainers' tensors. It is checked
/// once, here: the shape, that every value is finite and that no label is negative; labels may be absent (unlabelled
/// rows, for a mixture fitted to all of them).
/// </summary>
public sealed class FaceSplit
{
    /// <summary>"train", "valid", "test" or another name used in errors.</summary>
    public string Name { get; }
    /// <summary>Row-major [Count, Dimension].</summary>
    public float[] Features { get; }
    /// <summary>Class index per row, 0-based; empty for unlabelled rows.</summary>
    public int[] Labels { get; }
    /// <summary>Values per row.</summary>
    public int Dimension { get; }
    /// <summary>Rows.</summary>
    public int Count { get; }
    /// <summary>Whether the rows have labels.</summary>
    public bool HasLabels => Labels.Length > 0 || Count == 0;

    /// <summary>
    /// Rows of <paramref name="dimension"/> values and, unless <paramref name="labels"/> is null, their labels; an error
    /// names the split and the first bad row.
    /// </summary>
    public FaceSplit(string name, float[] features, int[]? labels, int dimension) : this(name, features, labels, dimension, checkValues: true)
    {
    }

    /// <summary>Rows whose values the caller has already checked one by one (ML.NET rows read by Faces.MLNet, each named in its error).</summary>
    internal FaceSplit(string name, float[] features, int[]? labels, int dimension, bool checkValues)
    {
        if (dimension <= 0 || features.Length % dimension != 0 || labels != null && features.Length != (long)labels.Length * dimension)
            throw new ArgumentException($"{name}: {features.Length} values do not make {labels?.Length.ToString() ?? "whole"} rows of {dimension}.");
        int bad = checkValues ? FirstNonFinite(features) : -1;
        if (bad >= 0) throw new ArgumentException($"{name}: row {bad / dimension} has a NaN or infinite value (value {bad % dimension} is {features[bad]}).");
        if (labels != null && Array.FindIndex(labels, l => l < 0) is var negative and >= 0)
            throw new ArgumentException($"{name}: row {negative} has label {labels[negative]}; labels count from 0.");
        Name = name;
        Features = features;
        Labels = labels ?? Array.Empty<int>();
        Dimension = dimension;
        Count = features.Length / dimension;
    }

    /// <summary>Row <paramref name="n"/>'s values.</summary>
    public ReadOnlySpan<float> Row(int n) => Features.AsSpan(n * Dimension, Dimension);

    /// <summary>Rows per class.</summary>
    public int[] ClassCounts(int classes)
    {
        var counts = new int[classes];
        foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>The row indices of each class.</summary>
    public long[][] RowsByClass(int classes)
    {
        var lists = Enumerable.Range(0, classes).Select(_ => new List<long>()).ToArray();
        for (int n = 0; n < Labels.Length; n++) lists[Labels[n]].Add(n);
        return lists.Select(l => l.ToArray()).ToArray();
    }

    /// <summary>The rows at <paramref name="indices"/>, as a new split.</summary>
    public FaceSplit Subset(string name, IReadOnlyList<int> indices)
    {
        var features = new float[indices.Count * (long)Dimension];
        var labels = HasLabels ? new int[indices.Count] : null;
        for (int i = 0; i < indices.Count; i++)
        {
            Row(indices[i]).CopyTo(features.AsSpan(i * Dimension, Dimension));
            if (labels != null) labels[i] = Labels[indices[i]];
        }
        return new FaceSplit(name, features, labels, Dimension);
    }

    /// <summary>The index of the first NaN or infinity, or −1; a vector at a time (v − v is 0 only for a finite v).</summary>
    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        int width = System.Numerics.Vector<float>.Count, d = 0;
        for (; d <= values.Length - width; d += width)
        {
            var v = new System.Numerics.Vector<float>(values.Slice(d, width));
            if (!System.Numerics.Vector.EqualsAll(v - v, System.Numerics.Vector<float>.Zero))
                for (int i = d; i < d + width; i++)
                    if (!float.IsFinite(values[i])) return i;
        }
        for (; d < values.Length; d++)
            if (!float.IsFinite(values[d])) return d;
        return -1;
    }
}
