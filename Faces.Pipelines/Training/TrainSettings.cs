using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Pipelines.Training;

/// <summary>
/// What <c>faces train</c>, <c>faces demo</c> and the experiments need to train one model: its kind, the
/// normalisation, and the library's own settings records — <see cref="GaussianMixtureOptions"/> for a mixture model,
/// <see cref="TrainingOptions"/> and an architecture for a network. Their defaults are the study's, read from
/// <see cref="MixtureDefaults"/>, <see cref="MlpDefaults"/>, <see cref="CnnDefaults"/> and <see cref="TrainingDefaults"/>.
/// </summary>
public sealed record TrainSettings
{
    public ModelKind Model { get; init; } = ModelKind.Cnn;
    public Normalization Normalization { get; init; } = Normalization.None;
    /// <summary>Mixture models: the per-class mixture settings.</summary>
    public GaussianMixtureOptions Mixture { get; init; } = new();
    /// <summary>Networks: how to train; null takes the study's for <see cref="Model"/>.</summary>
    public TrainingOptions? Training { get; init; }
    /// <summary>Networks: an <see cref="MlpArchitecture"/> or <see cref="CnnArchitecture"/>; null takes the study's. Inputs, classes and a CNN's image shape come from the data.</summary>
    public NetworkArchitecture? Architecture { get; init; }

    /// <summary>
    /// Train on the training and validation splits together (<see cref="FaceDataset.WithValidationInTraining"/>) — once
    /// the settings were chosen on validation —, with no validation curve; early stopping needs one, so it is refused.
    /// </summary>
    public bool TrainOnValidation { get; init; }

    /// <summary>Whether these settings ask a network to stop early while training on the validation rows: a contradiction, refused.</summary>
    public bool EarlyStoppingWithoutValidation => TrainOnValidation && Model != ModelKind.Mog && NetworkTraining.EarlyStoppingPatience > 0;

    /// <summary><see cref="Training"/>, or the study's for the model kind.</summary>
    public TrainingOptions NetworkTraining => Training ?? (Model == ModelKind.Mlp ? TrainingOptions.ForMlp : TrainingOptions.ForCnn);

    /// <summary>The seed of whichever record this model kind uses.</summary>
    public int Seed => Model == ModelKind.Mog ? Mixture.Seed : NetworkTraining.Seed;
}
