using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.MLNet;

/// <summary>Faces trainers on <c>mlContext.MulticlassClassification.Trainers</c>.</summary>
public static class MulticlassCatalogExtensions
{
    /// <summary>One Gaussian mixture per class (EM), predicting argmax of log p(x | class) + log prior.</summary>
    public static MixtureOfGaussiansTrainer MixtureOfGaussians(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        MixtureOfGaussiansTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MixtureOfGaussiansTrainer(Microsoft.ML.Data.CatalogUtils.GetEnvironment(catalog), options);
    }

    /// <summary>One Gaussian mixture per class with <paramref name="components"/> components and the study's other defaults.</summary>
    public static MixtureOfGaussiansTrainer MixtureOfGaussians(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        int components = MixtureDefaults.Components, CovarianceType covarianceType = MixtureDefaults.CovarianceType, int seed = MixtureDefaults.Seed) =>
        catalog.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName,
            Mixture = new GaussianMixtureOptions { Components = components, CovarianceType = covarianceType, Seed = seed },
        });

    /// <summary>The Faces.Torch fully connected network (the study's defaults: <see cref="Faces.Torch.Models.MlpDefaults"/>).</summary>
    public static MlpTrainer Mlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, MlpTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new MlpTrainer(Microsoft.ML.Data.CatalogUtils.GetEnvironment(catalog), options);
    }

    /// <summary>The Faces.Torch fully connected network with the study's settings except those given.</summary>
    public static MlpTrainer Mlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        int epochs = MlpDefaults.Epochs, double learningRate = MlpDefaults.LearningRate, double momentum = TrainingDefaults.Momentum,
        int seed = TrainingDefaults.Seed) =>
        catalog.Mlp(new MlpTrainer.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName,
            Training = TrainingOptions.ForMlp with { Epochs = epochs, LearningRate = learningRate, Momentum = momentum, Seed = seed },
        });

    /// <summary>The Faces.Torch CNN over channel-major images (the study's defaults: <see cref="Faces.Torch.Models.CnnDefaults"/>).</summary>
    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, CnnTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new CnnTrainer(Microsoft.ML.Data.CatalogUtils.GetEnvironment(catalog), options);
    }

    /// <summary>The Faces.Torch CNN with the study's settings except those given.</summary>
    public static CnnTrainer Cnn(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        int height = CnnDefaults.Height, int width = CnnDefaults.Width, int channels = CnnDefaults.Channels, int epochs = CnnDefaults.Epochs,
        double learningRate = CnnDefaults.LearningRate, double momentum = TrainingDefaults.Momentum, int seed = TrainingDefaults.Seed) =>
        catalog.Cnn(new CnnTrainer.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName,
            Architecture = new CnnArchitecture { Height = height, Width = width, Channels = channels },
            Training = TrainingOptions.ForCnn with { Epochs = epochs, LearningRate = learningRate, Momentum = momentum, Seed = seed },
        });

    /// <summary>
    /// The real-face network (<see cref="ExpressionNetArchitecture"/>): VGG-style blocks with batch norm, dropout and
    /// flip averaging, trained with augmentation, Nesterov momentum, a one-cycle schedule and label smoothing
    /// (<see cref="ExpressionNetTrainer.Options"/>; defaults in <see cref="ExpressionNetDefaults"/>).
    /// </summary>
    public static ExpressionNetTrainer ExpressionNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ExpressionNetTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ExpressionNetTrainer(Microsoft.ML.Data.CatalogUtils.GetEnvironment(catalog), options);
    }

    /// <summary>The real-face network with its default recipe except the settings given.</summary>
    public static ExpressionNetTrainer ExpressionNet(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = DefaultColumnNames.Label, string featureColumnName = DefaultColumnNames.Features,
        int epochs = ExpressionNetDefaults.Epochs, int seed = TrainingDefaults.Seed) =>
        catalog.ExpressionNet(new ExpressionNetTrainer.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName,
            Training = ExpressionNetTrainer.Options.DefaultTraining with { Epochs = epochs, Seed = seed },
        });
}
