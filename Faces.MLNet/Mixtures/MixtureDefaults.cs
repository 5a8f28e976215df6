namespace Faces.MLNet.Mixtures;

/// <summary>
/// The study's mixture-of-Gaussians defaults, in one place: <see cref="GaussianMixtureOptions"/>, the ML.NET catalog
/// methods and the command line all read them from here.
/// </summary>
public static class MixtureDefaults
{
    /// <summary>Components K: 7.</summary>
    public const int Components = 7;
    /// <summary>Covariance: diagonal.</summary>
    public const CovarianceType CovarianceType = Mixtures.CovarianceType.Diagonal;
    /// <summary>EM iterations at most: 10.</summary>
    public const int MaxIterations = 10;
    /// <summary>
    /// EM stops once the log-likelihood per row changes by less than this fraction of itself: 1e-6. Once converged,
    /// further iterations only cost time; within the study's 10 iterations face data does not get there.
    /// </summary>
    public const double Tolerance = 1e-6;
    /// <summary>Variance floor (the study's minVary): 0.01.</summary>
    public const double VarianceFloor = 0.01;
    /// <summary>scikit-learn's reg_covar: 0.</summary>
    public const double RegCovar = 0;
    /// <summary>Initialisation: the study's random scheme.</summary>
    public const MixtureInitialization Initialization = MixtureInitialization.Random;
    /// <summary>The study's randConst: 1.</summary>
    public const double RandConst = 1;
    /// <summary>Lloyd iterations for k-means initialisation: 5.</summary>
    public const int KMeansIterations = 5;
    /// <summary>EM restarts (n_init): 1.</summary>
    public const int Restarts = 1;
    /// <summary>Seed: 1.</summary>
    public const int Seed = 1;
}
