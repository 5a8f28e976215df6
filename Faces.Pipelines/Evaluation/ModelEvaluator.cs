using Faces.Pipelines.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Evaluation;

/// <summary>
/// Scores a split once and computes every metric from that one pass: ML.NET's multiclass metrics (its evaluator runs
/// over the cached scores, not the model), F1, the uncertain share and the per-row scores.
/// </summary>
public static class ModelEvaluator
{
    /// <summary>Top class probability below this is an uncertain prediction (the study's measure).</summary>
    public const float UncertainBelow = 0.5f;

    public static SplitMetrics Evaluate(MLContext ml, ITransformer model, FaceDataset data, FaceSplit split)
    {
        var view = data.ToDataView(ml, split);
        var classNames = data.ClassNames;
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
            classNames = modelClasses;
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
        if (scoreType == null || scoreType.Size != classNames.Count)
            throw new InvalidDataException($"The model predicts {scoreType?.Size} classes but {data.Source} has {classNames.Count}.");

        // The one scoring pass.
        var scores = new float[split.Count][];
        using (var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"] }))
        {
            var getScore = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            var buffer = default(VBuffer<float>);
            int row = 0;
            while (cursor.MoveNext())
            {
                getScore(ref buffer);
                scores[row++] = buffer.DenseValues().ToArray();
            }
        }
        return FromScores(ml, split.Name, split.Labels, scores, classNames);
    }

    /// <summary>Every metric of rows whose true classes and class probabilities are known.</summary>
    public static SplitMetrics FromScores(MLContext ml, string split, int[] labels, float[][] scores, IReadOnlyList<string> classNames)
    {
        if (labels.Length != scores.Length) throw new ArgumentException($"{labels.Length} labels but {scores.Length} score rows.");
        var metrics = ml.MulticlassClassification.Evaluate(ScoredView(ml, labels, scores, classNames));
        var confusion = metrics.ConfusionMatrix.Counts.Select(r => r.ToArray()).ToArray();
        var precision = metrics.ConfusionMatrix.PerClassPrecision.ToArray();
        var recall = metrics.ConfusionMatrix.PerClassRecall.ToArray();
        var f1 = precision.Zip(recall, (p, r) => p + r > 0 ? 2 * p * r / (p + r) : 0).ToArray();
        double uncertain = scores.Length == 0 ? 0 : scores.Count(s => s.Max() < UncertainBelow) / (double)scores.Length;
        return new SplitMetrics(split, labels.Length, metrics.MicroAccuracy, metrics.MacroAccuracy, metrics.LogLoss,
            precision, recall, f1, confusion, uncertain, metrics.ConfusionMatrix.GetFormattedConfusionTable())
        {
            Labels = labels, Scores = scores,
        };
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

    /// <summary>Labels and scores already computed, as the view ML.NET's evaluator reads: Label key, Score vector, PredictedLabel key.</summary>
    private static IDataView ScoredView(MLContext ml, int[] labels, float[][] scores, IReadOnlyList<string> classNames)
    {
        var definition = SchemaDefinition.Create(typeof(ScoredRow));
        var names = new VBuffer<ReadOnlyMemory<char>>(classNames.Count, classNames.Select(n => n.AsMemory()).ToArray());
        foreach (var key in new[] { nameof(ScoredRow.Label), nameof(ScoredRow.PredictedLabel) })
        {
            definition[key].ColumnType = new KeyDataViewType(typeof(uint), classNames.Count);
            definition[key].AddAnnotation("KeyValues", names, new VectorDataViewType(TextDataViewType.Instance, classNames.Count));
        }
        definition[nameof(ScoredRow.Score)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, classNames.Count);
        // The evaluator names the confusion table's classes from the Score slots.
        definition[nameof(ScoredRow.Score)].AddAnnotation("SlotNames", names, new VectorDataViewType(TextDataViewType.Instance, classNames.Count));
        // LoadFromEnumerable stores a key column's 0-based values + 1.
        var rows = labels.Select((label, n) => new ScoredRow
        {
            Label = (uint)label, Score = scores[n], PredictedLabel = (uint)Array.IndexOf(scores[n], scores[n].Max()),
        });
        return ml.Data.LoadFromEnumerable(rows, definition);
    }

    private sealed class ScoredRow
    {
        public uint Label { get; set; }
        public float[] Score { get; set; } = Array.Empty<float>();
        public uint PredictedLabel { get; set; }
    }
}
