using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Runtime;

namespace Faces.Pipelines.Detection;

/// <summary>
/// Crops the largest face of each image of an image column (see <see cref="FaceCroppingTransformer"/>). Nothing to
/// learn: Fit only checks the schema. Create it with <c>mlContext.Transforms.CropFace(...)</c>.
/// </summary>
public sealed class FaceCroppingEstimator : IEstimator<FaceCroppingTransformer>
{
    private readonly IHostEnvironment env;
    private readonly string output, input;
    private readonly FaceDetectorOptions options;

    internal FaceCroppingEstimator(IHostEnvironment env, string outputColumnName, string inputColumnName, FaceDetectorOptions options)
    {
        this.env = env;
        output = outputColumnName;
        input = inputColumnName;
        this.options = options;
        FaceTransformerBase.CheckArguments(env, output, input, options);
    }

    public FaceCroppingTransformer Fit(IDataView input)
    {
        GetOutputSchema(SchemaShape.Create(input.Schema));
        return new FaceCroppingTransformer(env, output, this.input, options);
    }

    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var column = inputSchema.FirstOrDefault(c => c.Name == input);
        if (column.Name == null) throw env.ExceptSchemaMismatch(nameof(inputSchema), "image", input);
        if (column.ItemType is not ImageDataViewType)
            throw env.Except($"Column '{input}' must be an image (LoadImages' output); it is {column.ItemType}.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[output] = new SchemaShape.Column(output, SchemaShape.Column.VectorKind.Scalar, new ImageDataViewType(), false);
        columns[output + "Found"] = new SchemaShape.Column(output + "Found", SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false);
        return new SchemaShape(columns.Values);
    }
}
