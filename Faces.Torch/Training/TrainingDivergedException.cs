namespace Faces.Torch.Training;

/// <summary>Training produced non-finite weights or cross-entropy: the steps were too large for the data.</summary>
public sealed class TrainingDivergedException(int epoch, double learningRate)
    : InvalidOperationException($"Training diverged at epoch {epoch}: the weights or the cross-entropy are no longer finite. " +
                                $"Try a smaller learning rate (it is {learningRate}), less momentum, or normalised inputs (--normalize Standardize).")
{
    /// <summary>The epoch after which the divergence was seen.</summary>
    public int Epoch { get; } = epoch;
}
