using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>
/// What depends on the covariance type, in one object per type (scikit-learn's mixture module keeps one function per
/// type for each of these): the storage shape, the initial covariances, the M-step estimate, the precision Cholesky
/// factor that is stored beside the covariances, the log-density of every row under every component, the variances
/// shown as images, and the managed per-row scorer.
/// </summary>
internal abstract class CovarianceModel
{
    private const double Log2Pi = MixtureDensity.Log2Pi;

    public abstract CovarianceType Type { get; }

    public static CovarianceModel For(CovarianceType type) => type switch
    {
        CovarianceType.Diagonal => DiagonalCovariance.Instance,
        CovarianceType.Spherical => SphericalCovariance.Instance,
        CovarianceType.SharedFull => SharedFullCovariance.Instance,
        CovarianceType.Full => FullCovariance.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown covariance type."),
    };

    /// <summary>The shape of the stored covariances for K components in D dimensions.</summary>
    public abstract long[] Shape(long components, long dimension);

    /// <summary>Initial covariances from per-component, per-dimension variances [K, D].</summary>
    public abstract Tensor Initial(Tensor variances);

    /// <summary>
    /// M-step covariances from the data x [N, D] (and x² elementwise), responsibilities [N, K], their column sums
    /// [K] and the new means [K, D]; <paramref name="regCovar"/> is added to every variance and
    /// <paramref name="floor"/> bounds it from below.
    /// </summary>
    public abstract Tensor Estimate(Tensor x, Tensor squares, Tensor responsibilities, Tensor counts, Tensor means, double regCovar, double floor);

    /// <summary>
    /// The precision Cholesky factor, stored with the mixture so that no log-density recomputes it: for diagonal and
    /// spherical covariances 1/σ ([K, D] or [K]); for full ones P with Σ⁻¹ = P Pᵀ ([K, D, D] or shared [D, D]).
    /// </summary>
    public abstract Tensor PrecisionCholesky(Tensor covariances);

    /// <summary>log N(x_n | μ_k, Σ_k) for every row and component, [N, K], from the precision Cholesky factor.</summary>
    public abstract Tensor LogGaussian(Tensor x, Tensor means, Tensor precisionCholesky, Tensor? squares = null);

    /// <summary>Each component's variances per dimension (the covariance diagonal), [K, D].</summary>
    public abstract Tensor Variances(Tensor covariances, long components, long dimension);

    /// <summary>A managed, thread-safe scorer of single rows (no TorchSharp calls).</summary>
    public abstract MixtureDensity Density(double[] logWeights, double[] means, double[] precisionCholesky, int dimension);

    /// <summary>Clamps a variance tensor to the floor (when there is one).</summary>
    protected static Tensor Floor(Tensor variances, double floor) => floor > 0 ? variances.clamp_min(floor) : variances;

    /// <summary>Adds reg_covar to a covariance matrix's diagonal and floors it, in place.</summary>
    protected static void RegulariseDiagonal(Tensor covariances, double regCovar, double floor)
    {
        using var diagonal = covariances.diagonal(dim1: -2, dim2: -1);
        if (regCovar > 0) diagonal.add_(regCovar);
        if (floor > 0) diagonal.clamp_min_(floor);
    }

    /// <summary>P with Σ⁻¹ = P Pᵀ, from the Cholesky factor L of Σ: P = (L⁻¹)ᵀ.</summary>
    protected static Tensor CholeskyOfPrecision(Tensor covariance)
    {
        using var scope = NewDisposeScope();
        var (lower, info) = linalg.cholesky_ex(covariance);
        if (info.ne(0).any().item<bool>())
            throw new InvalidOperationException("A covariance matrix is not positive definite; raise RegCovar or VarianceFloor.");
        var identity = eye(covariance.shape[^1], dtype: covariance.dtype).expand_as(covariance);
        var inverse = linalg.solve_triangular(lower, identity, upper: false);
        return inverse.transpose(-2, -1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>−½ (D log 2π + quadratic) + log|P|, with a tiny negative Mahalanobis distance (rounding) taken as 0.</summary>
    protected static Tensor Combine(Tensor quadratic, Tensor logDeterminant, long dimension) =>
        -0.5 * (dimension * Log2Pi + quadratic.clamp_min(0)) + logDeterminant;
}
