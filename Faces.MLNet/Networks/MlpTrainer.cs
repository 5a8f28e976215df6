using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// Trains the Faces.Torch fully connected network (inputs → hidden ReLU layers → classes, softmax cross-entropy).
/// Create it with <c>mlContext.MulticlassClassification.Trainers.Mlp(...)</c>.
/// </summary>
public sealed class MlpTrainer : NetworkTrainerBase<MlpTrainer.Options>
{
    internal const string LoadName = "FacesMlp";

    /// <summary>Settings. Defaults are the study's MLP (<see cref="MlpDefaults"/>): 16 and 32 hidden units, eps 0.01, momentum 0, 1000 epochs, batch 100.</summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>
        /// The network: hidden sizes, initialisation. Its <see cref="MlpArchitecture.Inputs"/> and
        /// <see cref="NetworkArchitecture.Classes"/> are taken from the data when training.
        /// </summary>
        public MlpArchitecture Architecture = new();

        /// <summary>The study's MLP defaults.</summary>
        public Options() : base(TrainingOptions.ForMlp)
        {
        }
    }

    internal MlpTrainer(IHostEnvironment env, Options options) : base(env, LoadName, options)
    {
    }

    private protected override NetworkArchitecture Architecture(int inputSize, int classes) =>
        Settings.Architecture with { Inputs = inputSize, Classes = classes };
}
