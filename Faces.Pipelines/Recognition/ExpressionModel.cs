using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Training;
using Faces.Torch.Explain;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Recognition;

/// <summary>
/// A Faces classifier loaded once, for scoring faces: its class names, the side of its square grayscale input and
/// its provenance. Faces go through the model's batched <c>Transform</c> in one pass per call, as Features rows only
/// (a model's Label column is not needed to score). Immutable; safe to share between threads.
/// </summary>
public sealed class ExpressionModel
{
    private readonly MLContext ml;
    private readonly ITransformer model;

    /// <summary>The model file.</summary>
    public string Path { get; }
    /// <summary>The model's classes, in Score order.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The side of the model's square grayscale input.</summary>
    public int Side { get; }
    /// <summary>Where the model came from, when it says (<see cref="ModelProvenance"/>).</summary>
    public ModelProvenance? Provenance { get; }
    /// <summary>When this instance was loaded.</summary>
    public DateTime LoadedUtc { get; } = DateTime.UtcNow;
    /// <summary>The pipeline itself.</summary>
    public ITransformer Model => model;

    private readonly ModelExplainer? explainer;

    /// <summary>Whether <see cref="Explain"/> can map this model's faces (its classifier is a network; a mixture model has no gradient path).</summary>
    public bool CanExplain => explainer != null;

    private ExpressionModel(MLContext ml, ITransformer model, DataViewSchema input, string path)
    {
        this.ml = ml;
        this.model = model;
        explainer = ModelExplainer.For(ml, model);
        Path = path;
        int size = (input["Features"].Type as VectorDataViewType)?.Size ?? 0;
        Side = (int)Math.Round(Math.Sqrt(size));
        if (Side * Side != size)
            throw new InvalidDataException($"{path}: the model takes {size} features, not a square grayscale image.");
        ClassNames = ModelEvaluator.ClassNames(model, input)
                     ?? Enumerable.Range(0, ((VectorDataViewType)model.GetOutputSchema(input)["Score"].Type).Size).Select(i => $"class {i}").ToList();
        Provenance = ModelProvenance.Read(path);
    }

    /// <summary>Loads and checks the classifier at <paramref name="path"/> (<see cref="ModelFiles.LoadClassifier"/>).</summary>
    public static ExpressionModel Load(MLContext ml, string path)
    {
        var model = ModelFiles.LoadClassifier(ml, path, out var input);
        return new ExpressionModel(ml, model, input, path);
    }

    /// <summary>A model already loaded from <paramref name="path"/>, when it scores Features; null when it takes other inputs.</summary>
    public static ExpressionModel? From(MLContext ml, ITransformer model, DataViewSchema input, string path) =>
        input.GetColumnOrNull("Features")?.Type is VectorDataViewType { IsKnownSize: true } ? new ExpressionModel(ml, model, input, path) : null;

    /// <summary>Class probabilities of each face (its pixels row-major in [0, 1], <see cref="Side"/>², as <see cref="Detection.FaceDetector.FacePixels"/> gives them).</summary>
    public IReadOnlyList<float[]> Score(IReadOnlyList<float[]> faces)
    {
        if (faces.Count == 0) return Array.Empty<float[]>();
        int size = Side * Side;
        if (faces.FirstOrDefault(f => f.Length != size) is { } wrong)
            throw new ArgumentException($"A face has {wrong.Length} pixels; the model takes {Side}x{Side}.");
        return model.Transform(FeatureRow.Load(ml, faces, size)).GetColumn<float[]>("Score").ToList();
    }

    /// <summary>
    /// A saliency map per face for the class at the same index of <paramref name="classIndices"/>: <see cref="Side"/>²
    /// values in the face's pixel order that sum to 1 (<see cref="SaliencyMaps"/>: HiResCAM for the CNNs, gradient ×
    /// input for the MLP), taken through the model's own steps before the network (its normalisation). One backward pass
    /// per face (two with flip averaging); throws <see cref="NotSupportedException"/> when <see cref="CanExplain"/> is false.
    /// </summary>
    public IReadOnlyList<float[]> Explain(IReadOnlyList<float[]> faces, IReadOnlyList<int> classIndices, SaliencyMethod? method = null)
    {
        // The explainer and the maps check the faces' sizes and the classes.
        return explainer?.Explain(faces, classIndices, method)
               ?? throw new NotSupportedException($"{System.IO.Path.GetFileName(Path)} classifies with a mixture of Gaussians: saliency maps need a network's gradients.");
    }
}
