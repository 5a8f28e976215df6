namespace Faces.MLNet.Mixtures;

/// <summary>Where EM starts.</summary>
public enum MixtureInitialization
{
    /// <summary>
    /// The study's: mixing coefficients π_k ∝ randConst + U(0,1); means μ_k = data mean + N(0,1)·(data std / randConst)
    /// per dimension; variances 2 × data variance per dimension, floored at the variance floor.
    /// </summary>
    Random,
    /// <summary>Means from k-means (k-means++ seeding, then Lloyd iterations; an empty cluster takes the point farthest
    /// from its centre); mixing coefficients and variances as in <see cref="Random"/>.</summary>
    KMeans,
    /// <summary>Means (and optionally weights and variances) given in the options.</summary>
    Given,
}
