namespace Faces.Torch.Models;

/// <summary>
/// The study's CNN defaults, in one place: the architecture record, the training options, the ML.NET trainer's
/// Options and catalog method, and the command line all read them from here.
/// </summary>
public static class CnnDefaults
{
    /// <summary>Input height: 48 (TFD).</summary>
    public const int Height = 48;
    /// <summary>Input width: 48.</summary>
    public const int Width = 48;
    /// <summary>Input channels: 1 (grayscale).</summary>
    public const int Channels = 1;
    /// <summary>Square filter size of both convolutions: 5.</summary>
    public const int FilterSize = 5;
    /// <summary>Filters of the first convolution: 8 (the study's best: <see cref="BestFilters1"/>).</summary>
    public const int Filters1 = 8;
    /// <summary>Filters of the second convolution: 16 (the study's best: <see cref="BestFilters2"/>).</summary>
    public const int Filters2 = 16;
    /// <summary>First max-pool size and stride: 3.</summary>
    public const int Pool1 = 3;
    /// <summary>Second max-pool size and stride: 2.</summary>
    public const int Pool2 = 2;
    /// <summary>Learning rate eps: 0.1.</summary>
    public const double LearningRate = 0.1;
    /// <summary>Epochs: 30.</summary>
    public const int Epochs = 30;

    // The study's best CNN: the 'best' preset (TrainingOptions.BestForCnn, CnnArchitecture.StudyBest) reads these.
    /// <summary>The study's best first-convolution filters: 24.</summary>
    public const int BestFilters1 = 24;
    /// <summary>The study's best second-convolution filters: 40.</summary>
    public const int BestFilters2 = 40;
    /// <summary>The study's best learning rate: 0.01.</summary>
    public const double BestLearningRate = 0.01;
    /// <summary>The study's best momentum: 0.9.</summary>
    public const double BestMomentum = 0.9;
    /// <summary>The study's best run's epochs: 60 (with early stopping).</summary>
    public const int BestEpochs = 60;
    /// <summary>Early stopping of the study's best run: 10 epochs without a lower validation cross-entropy.</summary>
    public const int BestPatience = 10;
}
