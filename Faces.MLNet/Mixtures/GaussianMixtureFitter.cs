using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// Fits a <see cref="GaussianMixture"/> by EM, in float64 tensors: an E-step in log space (log-sum-exp) and an M-step
/// in closed form, with scikit-learn's structure (n_init restarts, reg_covar, converged, lower bound) and the study's
/// variance floor and initialisation.
/// </summary>
public sealed class GaussianMixtureFitter(GaussianMixtureOptions options)
{
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
            using var distances = (squares.sum(dim: 1).unsqueeze(1) - 2 * x.matmul(means.t()) + (means * means).sum(dim: 1));
            using var assignment = distances.argmin(1);
            using var hard = nn.functional.one_hot(assignment, Options.Components).to_type(ScalarType.Float64);
            weights.Dispose();
            means.Dispose();
            covariances.Dispose();
            (weights, means, covariances) = MStep(x, squares, hard);
        }
        var logLikelihoods = new List<double>();
        bool converged = false;
        double previous = double.NaN;
        long n = x.shape[0];
        for (int iteration = 0; iteration < Options.MaxIterations; iteration++)
        {
            Tensor responsibilities;
            double total;
            using (var current = new GaussianMixture(Options.CovarianceType, weights, means, covariances, Array.Empty<double>(), false, 0))
            {
                // E-step: responsibilities and the log-likelihood of the parameters before this M-step.
                using var joint = current.WeightedLogProbabilities(x);
                using var norm = joint.logsumexp(1, keepdim: true);
                total = norm.sum().item<double>();
                using var logResponsibilities = joint - norm;
                responsibilities = logResponsibilities.exp();
                // current owns the parameter tensors; they are replaced below, so release them now.
            }
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

    /// <summary>M-step: mixing coefficients, means and covariances from responsibilities [N, K].</summary>
    private (Tensor Weights, Tensor Means, Tensor Covariances) MStep(Tensor x, Tensor squares, Tensor responsibilities)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0], d = x.shape[1];
        // scikit-learn's 10·eps keeps an empty component from dividing by zero.
        var counts = responsibilities.sum(dim: 0) + 10 * 2.220446049250313e-16;
        var weights = counts / n;
        var means = responsibilities.t().matmul(x) / counts.unsqueeze(1);
        Tensor covariances;
        switch (Options.CovarianceType)
        {
            case CovarianceType.Diagonal:
                covariances = FloorVariances(responsibilities.t().matmul(squares) / counts.unsqueeze(1) - means * means + Options.RegCovar);
                break;
            case CovarianceType.Spherical:
                covariances = FloorVariances((responsibilities.t().matmul(squares) / counts.unsqueeze(1) - means * means).mean(new long[] { 1 }) + Options.RegCovar);
                break;
            case CovarianceType.SharedFull:
            {
                var scatter = x.t().matmul(x) - (means.t() * counts).matmul(means);
                covariances = scatter / counts.sum();
                AddRegularisation(covariances);
                break;
            }
            default:
            {
                var perComponent = new List<Tensor>();
                for (long k = 0; k < means.shape[0]; k++)
                {
                    var centred = x - means[k];
                    var c = (responsibilities[.., (int)k].unsqueeze(1) * centred).t().matmul(centred) / counts[k];
                    perComponent.Add(c);
                }
                covariances = stack(perComponent);
                AddRegularisation(covariances);
                break;
            }
        }
        return (weights.MoveToOuterDisposeScope(), means.MoveToOuterDisposeScope(), covariances.MoveToOuterDisposeScope());
    }

    private Tensor FloorVariances(Tensor variances) =>
        Options.VarianceFloor > 0 ? variances.clamp_min(Options.VarianceFloor) : variances;

    private void AddRegularisation(Tensor covariances)
    {
        using var diagonal = covariances.diagonal(dim1: -2, dim2: -1);
        if (Options.RegCovar > 0) diagonal.add_(Options.RegCovar);
        if (Options.VarianceFloor > 0) diagonal.clamp_min_(Options.VarianceFloor);
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
        Tensor covariances = Options.CovarianceType switch
        {
            CovarianceType.Diagonal => variances,
            CovarianceType.Spherical => variances.mean(new long[] { 1 }),
            CovarianceType.SharedFull => diag(variances.mean(new long[] { 0 })),
            _ => diag_embed(variances),
        };
        return (weights.MoveToOuterDisposeScope(), means.MoveToOuterDisposeScope(), covariances.MoveToOuterDisposeScope());
    }
}
