using Faces.Torch.Models;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// Trains the Faces.Torch fully connected network (inputs → hidden ReLU layers → classes, softmax cross-entropy).
/// Create it with <c>mlContext.MulticlassClassification.Trainers.Mlp(...)</c>.
/// </summary>
public sealed class MlpTrainer : NetworkTrainerBase<MlpTrainer.Options>
{
    internal const string LoadName = "FacesMlp";

    /// <summary>Settings. Defaults are the study's MLP: 16 and 32 hidden units, eps 0.01, momentum 0, 1000 epochs, batch 100.</summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>Hidden layer sizes. Default { 16, 32 }.</summary>
        public int[] Hidden = { 16, 32 };
        /// <summary>Weight initialisation. Default the study's N(0, 0.1²) hidden, N(0, 0.01²) output.</summary>
        public WeightInitialization Initialization = WeightInitialization.StudyGaussian;

        /// <summary>The study's MLP defaults.</summary>
        public Options()
        {
            LearningRate = 0.01;
            Epochs = 1000;
        }
    }

    internal MlpTrainer(IHostEnvironment env, Options options) : base(env, LoadName, options)
    {
    }

    private protected override NetworkArchitecture Architecture(int inputSize, int classes) => new MlpArchitecture
    {
        Inputs = inputSize, Hidden = Settings.Hidden.ToArray(), Classes = classes, Initialization = Settings.Initialization,
    };
}
