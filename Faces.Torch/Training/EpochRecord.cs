namespace Faces.Torch.Training;

/// <summary>
/// One point of a learning curve. Cross-entropies and accuracies are over the whole split after the epoch's updates
/// (the study printed the last mini-batch's training value instead). Null where that split was not evaluated.
/// </summary>
public sealed record EpochRecord(
    int Epoch,
    double? TrainCrossEntropy,
    double? TrainAccuracy,
    double? ValidationCrossEntropy,
    double? ValidationAccuracy,
    double Seconds);
