using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.MLNet;

/// <summary>Faces estimators on <c>mlContext.Transforms</c>.</summary>
public static class TransformsCatalogExtensions
{
    /// <summary>Fits one Gaussian mixture by EM; adds per-row responsibilities and log p(x).</summary>
    public static GaussianMixtureEstimator GaussianMixture(this TransformsCatalog catalog, GaussianMixtureEstimator.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new GaussianMixtureEstimator(CatalogUtils.GetEnvironment(catalog), options);
    }

    /// <summary>Fits one Gaussian mixture of <paramref name="components"/> components with the study's other defaults.</summary>
    public static GaussianMixtureEstimator GaussianMixture(this TransformsCatalog catalog,
        string featureColumnName = DefaultColumnNames.Features, int components = MixtureDefaults.Components,
        CovarianceType covarianceType = MixtureDefaults.CovarianceType, MixtureInitialization initialization = MixtureDefaults.Initialization,
        int seed = MixtureDefaults.Seed) =>
        catalog.GaussianMixture(new GaussianMixtureEstimator.Options
        {
            FeatureColumnName = featureColumnName,
            Mixture = new GaussianMixtureOptions { Components = components, CovarianceType = covarianceType, Initialization = initialization, Seed = seed },
        });
}
