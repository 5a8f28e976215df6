namespace Faces.Torch.Training;

/// <summary>A network's results on one split: mean cross-entropy, accuracy, and class probabilities per example.</summary>
public sealed record SplitEvaluation(double CrossEntropy, double Accuracy, float[][] Probabilities, int[] Predictions);
