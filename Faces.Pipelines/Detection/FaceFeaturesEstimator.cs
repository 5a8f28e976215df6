using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Faces.Pipelines.Detection;

/// <summary>
/// The largest face of each image file as a Features vector (see <see cref="FaceFeaturesTransformer"/>). Nothing to
/// learn: Fit only checks the schema. Create it with <c>mlContext.Transforms.FaceFeatures(...)</c>.
/// </summary>
public sealed class FaceFeaturesEstimator : IEstimator<FaceFeaturesTransformer>
{
    private readonly IHostEnvironment env;
    private readonly string output, input;
    private readonly int side;
    private readonly FaceDetectorOptions options;

    internal FaceFeaturesEstimator(IHostEnvironment env, string outputColumnName, string inputColumnName, int side, FaceDetectorOptions options)
    {
        this.env = env;
        output = outputColumnName;
        input = inputColumnName;
        this.side = side;
        this.options = options;
        FaceTransformerBase.CheckArguments(env, output, input, options);
        if (side < 1 || side > 4096) throw env.Except($"The face side must be 1 to 4096 pixels; got {side}.");
    }

    public FaceFeaturesTransformer Fit(IDataView input)
    {
        GetOutputSchema(SchemaShape.Create(input.Schema));
        return new FaceFeaturesTransformer(env, output, this.input, side, options);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var column = inputSchema.FirstOrDefault(c => c.Name == input);
        if (column.Name == null) throw env.ExceptSchemaMismatch(nameof(inputSchema), "image path", input);
        if (column.ItemType is not TextDataViewType || column.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw env.Except($"Column '{input}' must hold image file paths (text); it is {column.ItemType}.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[output] = new SchemaShape.Column(output, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        columns[output + "Found"] = new SchemaShape.Column(output + "Found", SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false);
        return new SchemaShape(columns.Values);
    }
}
