using Faces.Pipelines.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Evaluation;

/// <summary>Scores a split with a model and reads ML.NET's multiclass metrics, plus F1 and the uncertain share.</summary>
public static class ModelEvaluator
{
    public static SplitMetrics Evaluate(MLContext ml, ITransformer model, FaceDataset data, FaceSplit split)
    {
        var view = data.ToDataView(ml, split);
        IDataView scored;
        try
        {
            scored = model.Transform(view);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new InvalidDataException($"The model cannot read {data.Source} ({data.Shape} images, {data.Shape.Size} values): {e.Message}", e);
        }
        var scoreType = scored.Schema["Score"].Type as VectorDataViewType;
        if (scoreType == null || scoreType.Size != data.ClassNames.Count)
            throw new InvalidDataException($"The model predicts {scoreType?.Size} classes but {data.Source} has {data.ClassNames.Count}.");

        var metrics = ml.MulticlassClassification.Evaluate(scored);
        var confusion = metrics.ConfusionMatrix.Counts.Select(r => r.ToArray()).ToArray();
        var precision = metrics.ConfusionMatrix.PerClassPrecision.ToArray();
        var recall = metrics.ConfusionMatrix.PerClassRecall.ToArray();
        var f1 = precision.Zip(recall, (p, r) => p + r > 0 ? 2 * p * r / (p + r) : 0).ToArray();
        var scores = scored.GetColumn<float[]>("Score").ToList();
        double uncertain = scores.Count == 0 ? 0 : scores.Count(s => s.Max() < 0.5f) / (double)scores.Count;
        return new SplitMetrics(split.Name, split.Count, metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss,
            precision, recall, f1, confusion, uncertain, metrics.ConfusionMatrix.GetFormattedConfusionTable());
    }
}
