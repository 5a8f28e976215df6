using Faces.Pipelines.Detection;
using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Training;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Cli.Serving;

/// <summary>
/// One loaded model as the server uses it: a pool of ML.NET prediction engines over it (PredictionEngine is not
/// thread-safe; Microsoft.Extensions.ML's PredictionEnginePool does the same), sized to the cores, and what
/// <c>GET /api/model</c> reports. Immutable once built: a reload builds a new one.
/// </summary>
internal sealed class ServedModel
{
    private readonly ObjectPool<PredictionEngine<FaceRow, ScoreRow>> engines;

    public string Path { get; }
    public DateTime LoadedUtc { get; } = DateTime.UtcNow;
    public IReadOnlyList<string> ClassNames { get; }
    public int Side { get; }
    public ModelProvenance? Provenance { get; }

    private ServedModel(string path, IReadOnlyList<string> classNames, int side, ModelProvenance? provenance, ObjectPool<PredictionEngine<FaceRow, ScoreRow>> engines)
    {
        Path = path;
        ClassNames = classNames;
        Side = side;
        Provenance = provenance;
        this.engines = engines;
    }

    /// <summary>Loads and checks the model; the engines are made on demand, at most one per core kept.</summary>
    public static ServedModel Load(string path)
    {
        var ml = new MLContext(seed: 1);
        var model = ModelFiles.LoadClassifier(ml, path, out var input);
        int size = ((VectorDataViewType)input["Features"].Type).Size;
        int side = (int)Math.Round(Math.Sqrt(size));
        if (side * side != size) throw new InvalidDataException($"{path}: the model takes {size} features, not a square grayscale image.");
        var classes = (IReadOnlyList<string>?)ModelEvaluator.ClassNames(model, input)
                      ?? Enumerable.Range(0, ((VectorDataViewType)model.GetOutputSchema(input)["Score"].Type).Size).Select(i => $"class {i}").ToList();
        var definition = FaceRowDefinition(input["Features"].Type);
        var pool = new DefaultObjectPool<PredictionEngine<FaceRow, ScoreRow>>(
            new EnginePolicy(() => ml.Model.CreatePredictionEngine<FaceRow, ScoreRow>(model, inputSchemaDefinition: definition)), Environment.ProcessorCount);
        return new ServedModel(path, classes, side, ModelProvenance.Read(path), pool);
    }

    /// <summary>Class probabilities of one face's pixels (row-major, [0, 1], Side×Side).</summary>
    public float[] Score(float[] pixels)
    {
        var engine = engines.Get();
        try
        {
            return engine.Predict(new FaceRow { Features = pixels }).Score.ToArray();
        }
        finally
        {
            engines.Return(engine);
        }
    }

    /// <summary>The faces of an image (or the whole image as one), scored.</summary>
    public IReadOnlyList<FaceExpression> Recognize(OpenCvSharp.Mat gray, IReadOnlyList<FaceBox> boxes) =>
        boxes.Select(box => FaceExpression.From(box, Score(FaceDetector.FacePixels(gray, box, Side, Side)), ClassNames)).ToList();

    /// <summary>The schema of <see cref="FaceRow"/> with its Features vector of the model's known size.</summary>
    public static SchemaDefinition FaceRowDefinition(DataViewType features)
    {
        var definition = SchemaDefinition.Create(typeof(FaceRow));
        definition[nameof(FaceRow.Features)].ColumnType = features;
        return definition;
    }

    public sealed class FaceRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class ScoreRow
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private sealed class EnginePolicy(Func<PredictionEngine<FaceRow, ScoreRow>> create) : PooledObjectPolicy<PredictionEngine<FaceRow, ScoreRow>>
    {
        public override PredictionEngine<FaceRow, ScoreRow> Create() => create();
        public override bool Return(PredictionEngine<FaceRow, ScoreRow> engine) => true;
    }
}
