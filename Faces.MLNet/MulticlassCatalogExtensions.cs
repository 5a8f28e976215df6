using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;

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
        int components = 7, CovarianceType covarianceType = CovarianceType.Diagonal, int seed = 1) =>
        catalog.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, Components = components,
            CovarianceType = covarianceType, Seed = seed,
        });
}
