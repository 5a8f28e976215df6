using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// Trains the real-face network (<see cref="ExpressionNetArchitecture"/>) over channel-major image rows, with its own
/// recipe: augmentation, SGD with Nesterov momentum, a one-cycle learning rate, label smoothing and weight decay.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.ExpressionNet(...)</c>.
/// </summary>
public sealed class ExpressionNetTrainer : NetworkTrainerBase<ExpressionNetTrainer.Options>
{
    internal const string LoadName = "FacesExpressionNet";

    /// <summary>Settings; defaults from <see cref="ExpressionNetDefaults"/> and <see cref="AugmentationDefaults"/>.</summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>The network; its <see cref="NetworkArchitecture.Classes"/> is taken from the data when training.</summary>
        public ExpressionNetArchitecture Architecture = new();

        /// <summary>The network's default training recipe.</summary>
        public static TrainingOptions DefaultTraining { get; } = new()
        {
            LearningRate = ExpressionNetDefaults.LearningRate,
            Momentum = ExpressionNetDefaults.Momentum,
            Nesterov = true,
            WeightDecay = ExpressionNetDefaults.WeightDecay,
            LabelSmoothing = ExpressionNetDefaults.LabelSmoothing,
            BatchSize = ExpressionNetDefaults.BatchSize,
            Epochs = ExpressionNetDefaults.Epochs,
            Schedule = LearningRateSchedule.OneCycle,
            Augmentation = new AugmentationOptions(),
            // A pass over the whole training split each epoch costs a third of an epoch; validation tells enough.
            RecordTrainingMetrics = false,
        };

        /// <summary>The default recipe.</summary>
        public Options() : base(DefaultTraining)
        {
        }
    }

    internal ExpressionNetTrainer(IHostEnvironment env, Options options) : base(env, LoadName, options)
    {
    }

    private protected override NetworkArchitecture Architecture(int inputSize, int classes)
    {
        var architecture = Settings.Architecture;
        CheckImageWidth(inputSize, architecture.InputSize, architecture.Height, architecture.Width, architecture.Channels);
        return architecture with { Classes = classes };
    }
}
