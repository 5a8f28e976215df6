using Faces.Torch.Convolution;
using Faces.Torch.Models;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// Trains the Faces.Torch CNN (conv → ReLU → max-pool, twice, then a fully connected layer). The Features vector is
/// read as channel-major images (channel, row, column) — what ML.NET's ExtractPixels writes by default — of the
/// height, width and channels given in the options.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.Cnn(...)</c>.
/// </summary>
public sealed class CnnTrainer : NetworkTrainerBase<CnnTrainer.Options>
{
    internal const string LoadName = "FacesCnn";

    /// <summary>
    /// Settings. Defaults are the study's CNN: 48x48x1 input, 5x5 filters, 8 and 16 filters, pooling 3 then 2,
    /// eps 0.1, momentum 0, 30 epochs, batch 100.
    /// </summary>
    public sealed class Options : NetworkTrainerOptions
    {
        /// <summary>Image height. Default 48.</summary>
        public int Height = 48;
        /// <summary>Image width. Default 48.</summary>
        public int Width = 48;
        /// <summary>Channels (1 for grayscale). Default 1.</summary>
        public int Channels = 1;
        /// <summary>Square filter size. Default 5.</summary>
        public int FilterSize = 5;
        /// <summary>Filters of the first convolution. Default 8.</summary>
        public int Filters1 = 8;
        /// <summary>Filters of the second convolution. Default 16.</summary>
        public int Filters2 = 16;
        /// <summary>First max-pool size and stride. Default 3.</summary>
        public int Pool1 = 3;
        /// <summary>Second max-pool size and stride. Default 2.</summary>
        public int Pool2 = 2;
        /// <summary>The explicit-backward convolution (default) or TorchSharp's own.</summary>
        public ConvolutionKind Convolution = ConvolutionKind.Explicit;
        /// <summary>Weight initialisation. Default the study's N(0, 0.1²) filters, N(0, 0.01²) fully connected.</summary>
        public WeightInitialization Initialization = WeightInitialization.StudyGaussian;

        /// <summary>The study's CNN defaults.</summary>
        public Options()
        {
            LearningRate = 0.1;
            Epochs = 30;
        }
    }

    internal CnnTrainer(IHostEnvironment env, Options options) : base(env, LoadName, options)
    {
    }

    private protected override NetworkArchitecture Architecture(int inputSize, int classes)
    {
        long expected = (long)Settings.Height * Settings.Width * Settings.Channels;
        if (inputSize != expected)
            throw Host.Except($"Features column '{FeatureColumn.Name}' has {inputSize} values per row, but the options describe " +
                              $"{Settings.Height}x{Settings.Width} images with {Settings.Channels} channel(s) = {expected} values.");
        return new CnnArchitecture
        {
            Height = Settings.Height, Width = Settings.Width, Channels = Settings.Channels, FilterSize = Settings.FilterSize,
            Filters1 = Settings.Filters1, Filters2 = Settings.Filters2, Pool1 = Settings.Pool1, Pool2 = Settings.Pool2,
            Convolution = Settings.Convolution, Classes = classes, Initialization = Settings.Initialization,
        };
    }
}
