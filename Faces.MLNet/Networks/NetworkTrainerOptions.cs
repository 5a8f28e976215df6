using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Trainers;

namespace Faces.MLNet.Networks;

/// <summary>
/// What the MLP and CNN trainers share: the Faces.Torch <see cref="TrainingOptions"/> record (learning rate,
/// momentum, epochs, batch, early stopping, seed, device, threads — held, not copied), and what only ML.NET needs:
/// the columns, validation data, a progress callback and cancellation. Each trainer's Options starts from the
/// study's defaults for its network.
/// </summary>
public abstract class NetworkTrainerOptions : TrainerInputBaseWithLabel
{
    /// <summary>How the network is trained. Defaults: the study's for the network (<see cref="TrainingOptions.ForMlp"/>, <see cref="TrainingOptions.ForCnn"/>).</summary>
    public TrainingOptions Training;
    /// <summary>
    /// Validation rows for the learning curve and early stopping; null (default) for none. They must already have the
    /// trainer's input columns (pass them through the fitted preceding pipeline steps), as for ML.NET's own trainers.
    /// </summary>
    public IDataView? ValidationData;
    /// <summary>Called after every epoch (also logged to the MLContext log).</summary>
    public Action<EpochRecord>? Progress;
    /// <summary>Stops training after the current mini-batch; the network so far is kept.</summary>
    public CancellationToken Cancellation;

    private protected NetworkTrainerOptions(TrainingOptions training) => Training = training;
}
