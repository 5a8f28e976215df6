using Faces.MLNet.Mixtures.Covariances;
using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// Fits a <see cref="GaussianMixture"/> by EM, in float64 tensors: a named E-step in log space (log-sum-exp) and
/// M-step in closed form, the covariance-specific parts in one object per covariance type (<see cref="CovarianceModel"/>),
/// with scikit-learn's structure (n_init restarts, reg_covar, converged, lower bound) and the study's variance floor
/// and initialisation.
/// </summary>
public sealed class GaussianMixtureFitter(GaussianMixtureOptions options)
{
    private readonly CovarianceModel covarianceModel = CovarianceModel.For(options.CovarianceType);

    /// <summary>The settings in use.</summary>
    public GaussianMixtureOptions Options { get; } = options;

    /// <summary>Fits rows of floats (one example per row).</summary>
    public GaussianMixture Fit(float[][] rows, string name = "data")
    {
        if (rows.Length == 0) throw new ArgumentException($"{name}: no rows to fit a mixture to.");
        using var x = GaussianMixture.ToTensor(rows, rows[0].Length);
        return Fit(x, name);
    }

    /// <summary>Fits float64 data [N, D]. The restart with the best final log-likelihood wins.</summary>
    public GaussianMixture Fit(Tensor data, string name = "data")
    {
        TorchRuntime.EnsureInitialized();
        Options.Validate();
        using var x = data.to_type(ScalarType.Float64);
        if (x.dim() != 2) throw new ArgumentException($"{name}: data must be [N, D]; got [{string.Join(", ", x.shape)}].");
        long n = x.shape[0];
        if (n < Options.Components)
            throw new ArgumentException($"{name}: {n} rows cannot support {Options.Components} components.");
        using (var finite = x.isfinite().all(1))
        {
            if (!finite.all().item<bool>())
                throw new ArgumentException($"{name}: row {finite.logical_not().nonzero()[0, 0].item<long>()} has a NaN or infinite value.");
        }

        GaussianMixture? best = null;
        for (int restart = 0; restart < Options.Restarts; restart++)
        {
            var candidate = FitOnce(x, Options.Seed + 7919 * restart);
            if (best == null || candidate.LowerBound > best.LowerBound)
            {
                best?.Dispose();
                best = candidate;
            }
            else
            {
                candidate.Dispose();
            }
        }
        return best!;
    }

    private GaussianMixture FitOnce(Tensor x, int seed)
    {
        using var generator = new Generator((ulong)seed);
        using var squares = x * x;
        var (weights, means, covariances) = Initialize(x, generator);
        if (Options.Initialization == MixtureInitialization.KMeans && Options.InitializeFromClusters)
        {
            using var hard = HardAssignment(x, squares, means);
            DisposeAll(weights, means, covariances);
            (weights, means, covariances) = MStep(x, squares, hard);
        }
        var logLikelihoods = new List<double>();
        bool converged = false;
        double previous = double.NaN;
        long n = x.shape[0];
        for (int iteration = 0; iteration < Options.MaxIterations; iteration++)
        {
            // The mixture of this iteration's parameters owns them; the M-step's result replaces them.
            double total;
            Tensor responsibilities;
            using (var current = new GaussianMixture(Options.CovarianceType, weights, means, covariances, Array.Empty<double>(), false, 0))
                (responsibilities, total) = EStep(current, x, squares);
            logLikelihoods.Add(total);
            using (responsibilities)
                (weights, means, covariances) = MStep(x, squares, responsibilities);

            double perExample = total / n;
            if (Options.Tolerance > 0 && !double.IsNaN(previous) && Math.Abs(perExample - previous) <= Options.Tolerance * Math.Abs(perExample))
            {
                converged = true;
                break;
            }
            previous = perExample;
        }
        return new GaussianMixture(Options.CovarianceType, weights, means, covariances, logLikelihoods, converged, logLikelihoods[^1] / n);
    }

    /// <summary>E-step: responsibilities γ_nk [N, K] (in log space, then exponentiated) and Σ_n log p(x_n) of the current parameters.</summary>
    private static (Tensor Responsibilities, double LogLikelihood) EStep(GaussianMixture mixture, Tensor x, Tensor squares)
    {
        using var scope = NewDisposeScope();
        var joint = mixture.WeightedLogProbabilities(x, squares); // x² once per fit, not once per E-step
        var norm = joint.logsumexp(1, keepdim: true);
        double total = norm.sum().item<double>();
        return ((joint - norm).exp().MoveToOuterDisposeScope(), total);
    }

    /// <summary>M-step: mixing coefficients, means and (by the covariance type) covariances from responsibilities [N, K].</summary>
    private (Tensor Weights, Tensor Means, Tensor Covariances) MStep(Tensor x, Tensor squares, Tensor responsibilities)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        // scikit-learn's 10·eps keeps an empty component from dividing by zero.
        var counts = responsibilities.sum(dim: 0) + 10 * 2.220446049250313e-16;
        var weights = counts / n;
        var means = responsibilities.t().matmul(x) / counts.unsqueeze(1);
        var covariances = covarianceModel.Estimate(x, squares, responsibilities, counts, means, Options.RegCovar, Options.VarianceFloor);
        return (weights.MoveToOuterDisposeScope(), means.MoveToOuterDisposeScope(), covariances.MoveToOuterDisposeScope());
    }

    /// <summary>One-hot [N, K] of each row's nearest mean (k-means' hard assignment).</summary>
    private Tensor HardAssignment(Tensor x, Tensor squares, Tensor means)
    {
        using var scope = NewDisposeScope();
        var distances = squares.sum(dim: 1).unsqueeze(1) - 2 * x.matmul(means.t()) + (means * means).sum(dim: 1);
        return nn.functional.one_hot(distances.argmin(1), Options.Components).to_type(ScalarType.Float64).MoveToOuterDisposeScope();
    }

    private static void DisposeAll(params Tensor[] tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    /// <summary>Initial parameters: the study's random scheme, k-means means, or given ones.</summary>
    private (Tensor Weights, Tensor Means, Tensor Covariances) Initialize(Tensor x, Generator generator)
    {
        using var scope = NewDisposeScope();
        int k = Options.Components;
        long d = x.shape[1];
        var dataMean = x.mean(new long[] { 0 });
        var dataVariance = x.var(0, unbiased: false);
        var dataStd = dataVariance.sqrt();

        var weights = (Options.RandConst + rand(k, dtype: ScalarType.Float64, generator: generator));
        weights = weights / weights.sum();
        Tensor means = Options.Initialization switch
        {
            MixtureInitialization.Random => dataMean + randn(new long[] { k, d }, dtype: ScalarType.Float64, generator: generator) * (dataStd / Options.RandConst),
            MixtureInitialization.KMeans => KMeans.Centres(x, k, Options.KMeansIterations, generator),
            _ => tensor(Options.InitialMeans!.SelectMany(r => r.Length == d ? r : throw new ArgumentException($"InitialMeans rows must have {d} values.")).ToArray(), new long[] { k, d }),
        };
        if (Options.Initialization == MixtureInitialization.Given)
            weights = Options.InitialWeights != null ? tensor(Options.InitialWeights) : full(k, 1.0 / k, dtype: ScalarType.Float64);

        var variances = (2 * dataVariance).clamp_min(Options.VarianceFloor).expand(k, d).clone();
        if (Options.Initialization == MixtureInitialization.Given && Options.InitialVariances != null)
            variances = tensor(Options.InitialVariances.SelectMany(r => r).ToArray(), new long[] { k, d });
        var covariances = covarianceModel.Initial(variances);
        return (weights.MoveToOuterDisposeScope(), means.MoveToOuterDisposeScope(), covariances.MoveToOuterDisposeScope());
    }
}
