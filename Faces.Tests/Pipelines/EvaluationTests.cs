using Faces.Pipelines.Evaluation;
using Microsoft.ML;

namespace Faces.Tests.Pipelines;

/// <summary>Every metric of one hand-checked set of scores: three classes, four rows.</summary>
public sealed class EvaluationTests
{
    private static readonly string[] Classes = { "anger", "happy", "sad" };

    // Row 0: anger, right. Row 1: anger taken for happy. Row 2: happy, right. Row 3: sad taken for anger, top probability 0.4 (uncertain).
    private static readonly int[] Labels = { 0, 0, 1, 2 };
    private static readonly float[][] Scores =
    {
        new[] { 0.8f, 0.1f, 0.1f }, new[] { 0.3f, 0.6f, 0.1f }, new[] { 0.2f, 0.7f, 0.1f }, new[] { 0.4f, 0.35f, 0.25f },
    };

    [Fact]
    public void Metrics_from_one_set_of_scores_are_the_hand_computed_ones()
    {
        var metrics = ModelEvaluator.FromScores(new MLContext(1), "test", Labels, Scores, Classes);

        Assert.Equal(4, metrics.Count);
        Assert.Equal(0.5, metrics.MicroAccuracy, 12);
        Assert.Equal((0.5 + 1 + 0) / 3, metrics.MacroAccuracy, 12);
        Assert.Equal(-(Math.Log(0.8) + Math.Log(0.3) + Math.Log(0.7) + Math.Log(0.25)) / 4, metrics.LogLoss, 6);
        Assert.Equal(new[] { new double[] { 1, 1, 0 }, new double[] { 0, 1, 0 }, new double[] { 1, 0, 0 } }, metrics.Confusion);
        Assert.Equal(new[] { 0.5, 0.5, 0 }, metrics.Precision);
        Assert.Equal(new[] { 0.5, 1, 0 }, metrics.Recall);
        // F1 is the harmonic mean 2PR/(P+R): for happy 2·0.5·1/1.5, not P·R = 0.5.
        Assert.Equal(0.5, metrics.F1[0], 12);
        Assert.Equal(2 * 0.5 * 1 / 1.5, metrics.F1[1], 12);
        Assert.Equal(0, metrics.F1[2]);
        // Only row 3's top probability is below 0.5.
        Assert.Equal(0.25, metrics.UncertainFraction);
        Assert.True(metrics.ConfusionTable.Contains("happy"), metrics.ConfusionTable);
    }
}
