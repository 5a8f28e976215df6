using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// Trains the Faces.Torch CNN (conv → ReLU → max-pool, twice, then a fully connected layer). The Features vector is
/// read as channel-major images (channel, row, column) — what ML.NET's ExtractPixels writes by default — of the
/// height, width and channels of <see cref="Options.Architecture"/>.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.Cnn(...)</c>.
/// </summary>
public sealed class CnnTrainer : NetworkTrainerBase<CnnTrainer.Options>
{
    internal const string LoadName = "FacesCnn";

    /// <summary>
    /// Settings. Defaults are the study's CNN (<see cref="CnnDefaults"/>): 48x48x1 input, 5x5 filters, 8 and 16
    /// filters, pooling 3 then 2, eps 0.1, momentum 0, 30 epochs, batch 100.
    /// </summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>
        /// The network: input shape, filters, pools, convolution kind, initialisation. Its
        /// <see cref="NetworkArchitecture.Classes"/> is taken from the data when training.
        /// </summary>
        public CnnArchitecture Architecture = new();

        /// <summary>The study's CNN defaults.</summary>
        public Options() : base(TrainingOptions.ForCnn)
        {
        }
    }

    internal CnnTrainer(IHostEnvironment env, Options options) : base(env, LoadName, options)
    {
    }

    private protected override NetworkArchitecture Architecture(int inputSize, int classes)
    {
        var architecture = Settings.Architecture;
        CheckImageWidth(inputSize, architecture.InputSize, architecture.Height, architecture.Width, architecture.Channels);
        return architecture with { Classes = classes };
    }
}
