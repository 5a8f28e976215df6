namespace Faces.Pipelines.Evaluation;

/// <summary>
/// One model on one split, as ML.NET Model Builder shows it: micro/macro accuracy, log-loss, per-class precision,
/// recall and F1, the confusion matrix (rows = true class), and the share of uncertain predictions (top class
/// probability below 0.5, the study's measure).
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
    string ConfusionTable);
