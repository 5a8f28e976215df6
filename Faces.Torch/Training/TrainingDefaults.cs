namespace Faces.Torch.Training;

/// <summary>
/// Training settings shared by both networks, in one place (the per-network learning rate and epochs are in
/// <see cref="Models.MlpDefaults"/> and <see cref="Models.CnnDefaults"/>).
/// </summary>
public static class TrainingDefaults
{
    /// <summary>Momentum: 0 (the study's default runs).</summary>
    public const double Momentum = 0;
    /// <summary>Mini-batch size: 100.</summary>
    public const int BatchSize = 100;
    /// <summary>Early stopping patience: 0, off.</summary>
    public const int EarlyStoppingPatience = 0;
    /// <summary>Optimiser: SGD with momentum (the study's rule).</summary>
    public const OptimizerKind Optimizer = OptimizerKind.SgdMomentum;
    /// <summary>Seed for initialisation and shuffling: 1.</summary>
    public const int Seed = 1;
    /// <summary>Device: "cpu".</summary>
    public const string Device = "cpu";
    /// <summary>libtorch threads: 0, libtorch's own choice (all cores).</summary>
    public const int Threads = 0;
}
