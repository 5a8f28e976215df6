using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Recognition;

/// <summary>
/// A saved model whose input is an image file path (LoadImages → … → a Faces classifier, with or without CropFace):
/// scores files as they are, reading the path column the model was trained with and any face-found flag it adds.
/// </summary>
public sealed class ImagePipelineModel
{
    private readonly MLContext ml;
    private readonly ITransformer model;
    private readonly string pathColumn;
    private readonly string? foundColumn;

    public IReadOnlyList<string> ClassNames { get; }

    private ImagePipelineModel(MLContext ml, ITransformer model, DataViewSchema input, string pathColumn)
    {
        this.ml = ml;
        this.model = model;
        this.pathColumn = pathColumn;
        var output = model.GetOutputSchema(input);
        foundColumn = output.FirstOrDefault(c => c.Name.EndsWith("Found", StringComparison.Ordinal) && c.Type == BooleanDataViewType.Instance).Name;
        ClassNames = ModelEvaluator.ClassNames(model, input)
                     ?? Enumerable.Range(0, ((VectorDataViewType)output["Score"].Type).Size).Select(i => $"class {i}").ToList();
    }

    /// <summary>The model at <paramref name="path"/> when its input is one text column (an image path); null when it takes Features.</summary>
    public static ImagePipelineModel? TryLoad(MLContext ml, string path)
    {
        var model = ModelFiles.Load(ml, path, out var input);
        return From(ml, model, input, path);
    }

    /// <summary>A model already loaded from <paramref name="path"/>, when its input is one text column (an image path); null when it takes Features.</summary>
    public static ImagePipelineModel? From(MLContext ml, ITransformer model, DataViewSchema input, string path)
    {
        if (input.GetColumnOrNull("Features") != null) return null;
        var text = input.Where(c => c.Type is TextDataViewType && c.Name != "Label").ToList();
        if (text.Count != 1 || model.GetOutputSchema(input).GetColumnOrNull("Score")?.Type is not VectorDataViewType)
            throw new InvalidDataException($"{path} is neither a Faces classifier of Features nor of image paths.");
        return new ImagePipelineModel(ml, model, input, text[0].Name);
    }

    /// <summary>Each file's class probabilities, and whether the model's face cropper found a face (true when it has none).</summary>
    public IReadOnlyList<(float[] Scores, bool FaceFound)> Score(IReadOnlyList<string> files)
    {
        var definition = SchemaDefinition.Create(typeof(PathRow));
        definition[nameof(PathRow.Path)].ColumnName = pathColumn;
        var scored = model.Transform(ml.Data.LoadFromEnumerable(files.Select(f => new PathRow { Path = Path.GetFullPath(f) }), definition));
        var scores = scored.GetColumn<float[]>("Score").ToList();
        var found = foundColumn != null ? scored.GetColumn<bool>(foundColumn).ToList() : scores.Select(_ => true).ToList();
        return scores.Zip(found).ToList();
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
        // Pipelines that begin with MapValueToKey("Label") ask for the column; an unknown label maps to "missing".
        public string Label { get; set; } = "";
    }
}
