using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Pipelines.Training;

/// <summary>
/// The presets as settings records, in one place: <c>faces train --preset</c>, the experiments and the demo start
/// from these (options given on the command line change them). Their numbers live in the Defaults classes
/// (<see cref="MlpDefaults"/>, <see cref="CnnDefaults"/>, <see cref="ExpressionNetDefaults"/>, <see cref="MixtureDefaults"/>).
/// </summary>
public static class TrainingPresets
{
    /// <summary>The study's defaults for <paramref name="kind"/>.</summary>
    public static TrainSettings Study(ModelKind kind) => new()
    {
        Model = kind,
        Training = kind == ModelKind.Mlp ? TrainingOptions.ForMlp : TrainingOptions.ForCnn,
        Architecture = kind == ModelKind.Mlp ? new MlpArchitecture() : new CnnArchitecture(),
    };

    /// <summary>The study's best: the MLP at its best learning rate, the CNN with 24/40 filters and its best run's training, the MoG initialised by k-means.</summary>
    public static TrainSettings Best(ModelKind kind) => kind switch
    {
        ModelKind.Mlp => Study(kind) with { Training = TrainingOptions.BestForMlp },
        ModelKind.Cnn => Study(kind) with { Training = TrainingOptions.BestForCnn, Architecture = CnnArchitecture.StudyBest },
        _ => Study(kind) with { Mixture = new GaussianMixtureOptions { Initialization = MixtureInitialization.KMeans } },
    };

    /// <summary>The real-face network (<see cref="ExpressionNetArchitecture"/>) and its recipe (<see cref="ExpressionNetTrainer.Options.DefaultTraining"/>).</summary>
    public static TrainSettings Real { get; } = new()
    {
        Model = ModelKind.Cnn,
        Training = ExpressionNetTrainer.Options.DefaultTraining,
        Architecture = new ExpressionNetArchitecture(),
    };

    /// <summary>The real-face recipe on a narrower network for fewer epochs (<see cref="ExpressionNetDefaults.FastWidths"/>, <see cref="ExpressionNetDefaults.FastEpochs"/>).</summary>
    public static TrainSettings Fast { get; } = Real with
    {
        Training = Real.NetworkTraining with { Epochs = ExpressionNetDefaults.FastEpochs },
        Architecture = new ExpressionNetArchitecture { Widths = ExpressionNetDefaults.FastWidths },
    };

    /// <summary>The preset <paramref name="preset"/> for <paramref name="kind"/>; the real-face ones exist only as a CNN.</summary>
    public static TrainSettings For(TrainingPreset preset, ModelKind kind) => preset switch
    {
        TrainingPreset.Best => Best(kind),
        TrainingPreset.Real when kind == ModelKind.Cnn => Real,
        TrainingPreset.Fast when kind == ModelKind.Cnn => Fast,
        TrainingPreset.Real or TrainingPreset.Fast => throw new ArgumentException(
            $"--preset {preset.ToString().ToLowerInvariant()} trains the real-face network, a CNN: give --model cnn (not {kind.ToString().ToLowerInvariant()})."),
        _ => Study(kind),
    };
}
