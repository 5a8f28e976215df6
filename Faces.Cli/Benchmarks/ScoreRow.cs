namespace Faces.Cli.Benchmarks;

/// <summary>What a PredictionEngine returns in the benchmarks: the class probabilities.</summary>
internal sealed class ScoreRow
{
    public float[] Score { get; set; } = Array.Empty<float>();
}
