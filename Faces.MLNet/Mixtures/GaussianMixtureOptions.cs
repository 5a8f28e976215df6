namespace Faces.MLNet.Mixtures;

/// <summary>Settings of one mixture fit by EM. Every default is the study's and lives in <see cref="MixtureDefaults"/>.</summary>
public sealed record GaussianMixtureOptions
{
    /// <summary>Number of components K. Default: <see cref="MixtureDefaults.Components"/>.</summary>
    public int Components { get; init; } = MixtureDefaults.Components;
    /// <summary>Covariance shape. Default: <see cref="MixtureDefaults.CovarianceType"/>.</summary>
    public CovarianceType CovarianceType { get; init; } = MixtureDefaults.CovarianceType;
    /// <summary>EM iterations at most. Default: <see cref="MixtureDefaults.MaxIterations"/>.</summary>
    public int MaxIterations { get; init; } = MixtureDefaults.MaxIterations;
    /// <summary>
    /// Stop when the per-example log-likelihood changes by less than this fraction of its magnitude; 0 always runs
    /// <see cref="MaxIterations"/>, as the study did. Default: <see cref="MixtureDefaults.Tolerance"/>.
    /// </summary>
    public double Tolerance { get; init; } = MixtureDefaults.Tolerance;
    /// <summary>The study's minVary: every variance (diagonal entry) is at least this after each M-step. Default: <see cref="MixtureDefaults.VarianceFloor"/>.</summary>
    public double VarianceFloor { get; init; } = MixtureDefaults.VarianceFloor;
    /// <summary>scikit-learn's reg_covar: added to every variance (diagonal entry) in each M-step. Default: <see cref="MixtureDefaults.RegCovar"/>.</summary>
    public double RegCovar { get; init; } = MixtureDefaults.RegCovar;
    /// <summary>Initialisation. Default: <see cref="MixtureDefaults.Initialization"/>.</summary>
    public MixtureInitialization Initialization { get; init; } = MixtureDefaults.Initialization;
    /// <summary>The study's randConst: spreads the random initial means by std/randConst and evens out the mixing coefficients. Default: <see cref="MixtureDefaults.RandConst"/>.</summary>
    public double RandConst { get; init; } = MixtureDefaults.RandConst;
    /// <summary>Lloyd iterations of k-means initialisation. Default: <see cref="MixtureDefaults.KMeansIterations"/>.</summary>
    public int KMeansIterations { get; init; } = MixtureDefaults.KMeansIterations;
    /// <summary>
    /// With k-means initialisation: take the mixing coefficients, means and covariances from an M-step on the hard
    /// k-means assignment (scikit-learn's way), instead of the study's random mixing coefficients and 2 × data variance.
    /// Default false (the study's).
    /// </summary>
    public bool InitializeFromClusters { get; init; }
    /// <summary>Restarts; the fit with the best final log-likelihood is kept (scikit-learn's n_init). Default: <see cref="MixtureDefaults.Restarts"/>.</summary>
    public int Restarts { get; init; } = MixtureDefaults.Restarts;
    /// <summary>Seed. Default: <see cref="MixtureDefaults.Seed"/>.</summary>
    public int Seed { get; init; } = MixtureDefaults.Seed;
    /// <summary>Initial means [K][D] for <see cref="MixtureInitialization.Given"/>.</summary>
    public double[][]? InitialMeans { get; init; }
    /// <summary>Initial mixing coefficients [K] for <see cref="MixtureInitialization.Given"/>; uniform when null.</summary>
    public double[]? InitialWeights { get; init; }
    /// <summary>Initial diagonal variances [K][D] for <see cref="MixtureInitialization.Given"/>; 2 × data variance when null.</summary>
    public double[][]? InitialVariances { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Components < 1) throw new ArgumentException($"Components must be at least 1; got {Components}.");
        if (MaxIterations < 1) throw new ArgumentException($"MaxIterations must be at least 1; got {MaxIterations}.");
        if (Tolerance < 0) throw new ArgumentException($"Tolerance must not be negative; got {Tolerance}.");
        if (VarianceFloor < 0 || RegCovar < 0) throw new ArgumentException("VarianceFloor and RegCovar must not be negative.");
        if (VarianceFloor == 0 && RegCovar == 0) throw new ArgumentException("VarianceFloor or RegCovar must be positive, or a constant pixel makes the likelihood infinite.");
        if (!(RandConst > 0)) throw new ArgumentException($"RandConst must be positive; got {RandConst}.");
        if (Restarts < 1) throw new ArgumentException($"Restarts must be at least 1; got {Restarts}.");
        if (KMeansIterations < 0) throw new ArgumentException($"KMeansIterations must not be negative; got {KMeansIterations}.");
        if (Initialization == MixtureInitialization.Given && (InitialMeans == null || InitialMeans.Length != Components))
            throw new ArgumentException($"Given initialisation needs InitialMeans with {Components} rows.");
    }
}
