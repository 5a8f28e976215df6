namespace Faces.Torch.Models;

/// <summary>
/// The study's MLP defaults, in one place: the architecture record, the training options, the ML.NET trainer's
/// Options and catalog method, and the command line all read them from here.
/// </summary>
public static class MlpDefaults
{
    /// <summary>Inputs per example: 2304, a 48x48 face.</summary>
    public const int Inputs = CnnDefaults.Height * CnnDefaults.Width;
    /// <summary>Hidden layer widths: 16 then 32.</summary>
    public static int[] Hidden => new[] { 16, 32 };
    /// <summary>Learning rate eps: 0.01.</summary>
    public const double LearningRate = 0.01;
    /// <summary>Epochs: 1000.</summary>
    public const int Epochs = 1000;
    /// <summary>The study's best learning rate for the MLP (the 'best' preset, <see cref="Training.TrainingOptions.BestForMlp"/>): 0.05.</summary>
    public const double BestLearningRate = 0.05;
}
