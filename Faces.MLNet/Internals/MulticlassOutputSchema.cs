using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.MLNet.Internals;

/// <summary>
/// The input checks and output columns shared by every Faces multiclass trainer: a known-size Single vector Features
/// column and a key Label in; Score (with slot names) and PredictedLabel (key, with the label's names) out — what
/// <c>MulticlassClassification.Evaluate</c> reads.
/// </summary>
internal static class MulticlassOutputSchema
{
    public static SchemaShape.Column[] Columns(SchemaShape inputSchema, string featureColumn, string labelColumn)
    {
        if (!inputSchema.TryFindColumn(featureColumn, out var features))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Features column '{featureColumn}' not found in the input.");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Features column '{featureColumn}' must be a known-size vector of Single; it is a {features.Kind} of {features.ItemType}.");
        if (!inputSchema.TryFindColumn(labelColumn, out var label))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{labelColumn}' not found in the input.");
        if (!label.IsKey)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Label column '{labelColumn}' must be a key type (use MapValueToKey); it is {label.ItemType}.");
        var predictedLabelAnnotations = new SchemaShape(label.Annotations.Where(a => a.Name == AnnotationUtils.Kinds.KeyValues)
            .Concat(AnnotationUtils.GetTrainerOutputAnnotation()));
        return new[]
        {
            new SchemaShape.Column(DefaultColumnNames.Score, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false,
                new SchemaShape(AnnotationUtils.AnnotationsForMulticlassScoreColumn(label))),
            new SchemaShape.Column(DefaultColumnNames.PredictedLabel, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true,
                predictedLabelAnnotations),
        };
    }
}
