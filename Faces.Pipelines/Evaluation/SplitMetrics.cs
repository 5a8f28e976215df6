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
}
