using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Data;

/// <summary>One row holding only a Features vector, for loading plain rows into ML.NET with the vector's size known.</summary>
public sealed class FeatureRow
{
    public float[] Features { get; set; } = Array.Empty<float>();

    /// <summary>The schema of this row with a Features vector of <paramref name="size"/> floats.</summary>
    public static SchemaDefinition Definition(int size)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[nameof(Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return definition;
    }

    /// <summary>The rows as a data view with a Features vector of their size.</summary>
    public static IDataView Load(MLContext ml, IEnumerable<float[]> rows, int size) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new FeatureRow { Features = r }), Definition(size));
}
