namespace Faces.Pipelines.Evaluation;

/// <summary>
/// One model on one split, as ML.NET Model Builder shows it: micro/macro accuracy, log-loss, per-class precision,
/// recall and F1, the confusion matrix (rows = true class), and the share of uncertain predictions (top class
/// probability below 0.5, the study's measure); with the per-row scores they came from.
/// </summary>
public sealed record SplitMetrics(
    string Split,
    int Count,
    double MicroAccuracy,
    double MacroAccuracy,
    double LogLoss,
    double[] Precision,
    double[] Recall,
    double[] F1,
    double[][] Confusion,
    double UncertainFraction,
    string ConfusionTable)
{
    /// <summary>The true class of each row (in the model's class order).</summary>
    public int[] Labels { get; init; } = Array.Empty<int>();
    /// <summary>Each row's class probabilities (the model's Score).</summary>
    public float[][] Scores { get; init; } = Array.Empty<float[]>();

    /// <summary>One row's outcome: its index in the split, true and predicted class, and the predicted class's probability.</summary>
    public sealed record Outcome(int Row, int True, int Predicted, float Probability);

    /// <summary>The rows whose predicted class (the highest probability) is not the true one, in row order.</summary>
    public IReadOnlyList<Outcome> Misclassified() =>
        Enumerable.Range(0, Labels.Length).Select(OutcomeOf).Where(o => o.Predicted != o.True).ToList();

    /// <summary>The <paramref name="count"/> rows with the lowest top probability, least sure first.</summary>
    public IReadOnlyList<Outcome> MostUncertain(int count) =>
        Enumerable.Range(0, Labels.Length).Select(OutcomeOf).OrderBy(o => o.Probability).ThenBy(o => o.Row).Take(count).ToList();

    private Outcome OutcomeOf(int row)
    {
        var scores = Scores[row];
        int predicted = 0;
        for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[predicted]) predicted = c;
        return new Outcome(row, Labels[row], predicted, scores[predicted]);
    }
}
