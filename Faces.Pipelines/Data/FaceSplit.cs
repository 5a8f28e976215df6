namespace Faces.Pipelines.Data;

/// <summary>One split (train, valid or test): row-major pixels in [0, 1] and 0-based class indices.</summary>
public sealed class FaceSplit
{
    /// <summary>"train", "valid" or "test".</summary>
    public string Name { get; }
    /// <summary>Row-major [Count, Dimension].</summary>
    public float[] Features { get; }
    /// <summary>Class index per row, 0-based.</summary>
    public int[] Labels { get; }
    /// <summary>Values per row.</summary>
    public int Dimension { get; }
    /// <summary>Rows.</summary>
    public int Count => Labels.Length;

    public FaceSplit(string name, float[] features, int[] labels, int dimension)
    {
        if (dimension <= 0 || features.Length != (long)labels.Length * dimension)
            throw new ArgumentException($"{name}: {features.Length} values do not make {labels.Length} rows of {dimension}.");
        Name = name;
        Features = features;
        Labels = labels;
        Dimension = dimension;
    }

    /// <summary>Row <paramref name="n"/>'s pixels.</summary>
    public ReadOnlySpan<float> Row(int n) => Features.AsSpan(n * Dimension, Dimension);

    /// <summary>Rows per class.</summary>
    public int[] ClassCounts(int classes)
    {
        var counts = new int[classes];
        foreach (var l in Labels) counts[l]++;
        return counts;
    }

    /// <summary>The rows at <paramref name="indices"/>, as a new split.</summary>
    public FaceSplit Subset(string name, IReadOnlyList<int> indices)
    {
        var features = new float[indices.Count * (long)Dimension];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Row(indices[i]).CopyTo(features.AsSpan(i * Dimension, Dimension));
            labels[i] = Labels[indices[i]];
        }
        return new FaceSplit(name, features, labels, Dimension);
    }
}
