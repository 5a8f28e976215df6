using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Trainers;

namespace Faces.MLNet.Networks;

/// <summary>
/// Training settings shared by the MLP and CNN trainers; they mirror <see cref="TrainingOptions"/>. Each trainer's
/// Options class sets the study's defaults for its network.
/// </summary>
public abstract class NetworkTrainerOptions : TrainerInputBaseWithLabel
{
    /// <summary>Learning rate (the study's eps).</summary>
    public double LearningRate;
    /// <summary>Momentum. Default 0 (the study's).</summary>
    public double Momentum;
    /// <summary>Passes over the training data.</summary>
    public int Epochs;
    /// <summary>Examples per mini-batch. Default 100.</summary>
    public int BatchSize = 100;
    /// <summary>L2 weight decay. Default 0.</summary>
    public double WeightDecay;
    /// <summary>SGD with momentum (default) or Adam.</summary>
    public OptimizerKind Optimizer = OptimizerKind.SgdMomentum;
    /// <summary>
    /// Validation rows for the learning curve and early stopping; null (default) for none. They must already have the
    /// trainer's input columns (pass them through the fitted preceding pipeline steps), as for ML.NET's own trainers.
    /// </summary>
    public IDataView? ValidationData;
    /// <summary>Stop after this many epochs without a lower validation cross-entropy, keeping the best weights; 0 (default) never stops early.</summary>
    public int EarlyStoppingPatience;
    /// <summary>Seed for initialisation and shuffling. Default 1.</summary>
    public int Seed = 1;
    /// <summary>Shuffle every epoch. Default true.</summary>
    public bool Shuffle = true;
    /// <summary>"cpu" (default), "cuda" or "cuda:N". The saved model always loads on the CPU.</summary>
    public string Device = "cpu";
    /// <summary>libtorch threads; 0 (default) keeps libtorch's choice.</summary>
    public int Threads;
    /// <summary>Evaluate the whole training split after each epoch for the learning curve. Default true.</summary>
    public bool RecordTrainingMetrics = true;
    /// <summary>Called after every epoch (also logged to the MLContext log).</summary>
    public Action<EpochRecord>? Progress;
    /// <summary>Stops training after the current mini-batch; the network so far is kept.</summary>
    public CancellationToken Cancellation;

    internal TrainingOptions ToTrainingOptions() => new()
    {
        LearningRate = LearningRate, Momentum = Momentum, Epochs = Epochs, BatchSize = BatchSize, WeightDecay = WeightDecay,
        Optimizer = Optimizer, EarlyStoppingPatience = EarlyStoppingPatience, Seed = Seed, Shuffle = Shuffle, Device = Device,
        Threads = Threads, RecordTrainingMetrics = RecordTrainingMetrics,
    };
}
