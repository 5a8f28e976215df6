using Faces.MLNet.Mixtures;
using Faces.Torch.Training;

namespace Faces.Pipelines.Training;

/// <summary>
/// What <c>faces train</c> and <c>faces demo</c> need to train one model. Null hyperparameters take the study's
/// default for the chosen model (MLP: eps 0.01, 1000 epochs; CNN: eps 0.1, 30 epochs; MoG: K = 7, 10 iterations).
/// </summary>
public sealed record TrainSettings
{
    public ModelKind Model { get; init; } = ModelKind.Cnn;
    public int? Epochs { get; init; }
    public double? LearningRate { get; init; }
    public double Momentum { get; init; }
    public int BatchSize { get; init; } = 100;
    public int EarlyStoppingPatience { get; init; }
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.SgdMomentum;
    /// <summary>CNN filters of the two convolutions (the study's default 8 and 16; its best 24 and 40).</summary>
    public int Filters1 { get; init; } = 8;
    public int Filters2 { get; init; } = 16;
    /// <summary>MLP hidden sizes (default 16, 32).</summary>
    public int[] Hidden { get; init; } = { 16, 32 };
    /// <summary>MoG components per class (default 7).</summary>
    public int Components { get; init; } = 7;
    public int MogIterations { get; init; } = 10;
    public CovarianceType Covariance { get; init; } = CovarianceType.Diagonal;
    public MixtureInitialization MogInitialization { get; init; } = MixtureInitialization.Random;
    public double VarianceFloor { get; init; } = 0.01;
    public Normalization Normalization { get; init; } = Normalization.None;
    public int Seed { get; init; } = 1;
    public string Device { get; init; } = "cpu";
    public int Threads { get; init; }
}
