using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Training;

namespace Faces.Cli.Reports;

/// <summary>One model's section of a report: its metrics per split and, when it was trained here, what training recorded.</summary>
internal sealed record ModelReport(string Name, IReadOnlyList<SplitMetrics> Splits, TrainedModel? Trained = null, string? ModelPath = null);
