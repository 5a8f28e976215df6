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
        // Scores are in the model's class order: labels must be too, or every metric is silently wrong.
        var modelClasses = ClassNames(model, view.Schema);
        if (modelClasses != null && !modelClasses.SequenceEqual(data.ClassNames))
        {
            if (!modelClasses.Order(StringComparer.Ordinal).SequenceEqual(data.ClassNames.Order(StringComparer.Ordinal)))
                throw new InvalidDataException($"The model's classes ({string.Join(", ", modelClasses)}) are not {data.Source}'s " +
                                               $"({string.Join(", ", data.ClassNames)}): it cannot be evaluated on this data.");
            var toModel = data.ClassNames.Select(name => modelClasses.IndexOf(name)).ToArray();
            split = new FaceSplit(split.Name, split.Features, split.Labels.Select(l => toModel[l]).ToArray(), split.Dimension);
            view = FaceDataset.ToDataView(ml, split, modelClasses);
        }
        IDataView scored;
        try
        {
            scored = model.Transform(view);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new InvalidDataException($"The model cannot read {data.Source} ({data.Shape} images, {data.Shape.Size} values): {e.Message}", e);
        }
        var scoreType = scored.Schema.GetColumnOrNull("Score")?.Type as VectorDataViewType;
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

    /// <summary>The class names the model's Score slots carry, or null when the model does not name them.</summary>
    public static List<string>? ClassNames(ITransformer model, DataViewSchema inputSchema)
    {
        DataViewSchema output;
        try
        {
            output = model.GetOutputSchema(inputSchema);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"The model cannot read this data: {e.Message}", e);
        }
        if (output.GetColumnOrNull("Score") is not { } score || score.Annotations.Schema.GetColumnOrNull("SlotNames") == null) return null;
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        score.GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToList();
    }
}
