using Faces.MLNet.Mixtures.Covariances;
using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// Fits a <see cref="GaussianMixture"/> by EM in float64: a named E-step in log space (log-sum-exp) and M-step in
/// closed form, the covariance-specific parts in one object per covariance type (<see cref="CovarianceModel"/>),
/// with scikit-learn's structure (n_init restarts, reg_covar, converged, lower bound) and the study's variance floor
/// and initialisation. Diagonal covariances (the study's) run their steps as C# SIMD loops over the data tensor's
/// memory (<see cref="DiagonalExpectationMaximization"/>); the other types in tensors.
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
        using var x = data.to_type(ScalarType.Float64).contiguous();
        if (x.dim() != 2) throw new ArgumentException($"{name}: data must be [N, D]; got [{string.Join(", ", x.shape)}].");
        long n = x.shape[0];
        if (n < Options.Components)
            throw new ArgumentException($"{name}: {n} rows cannot support {Options.Components} components.");
        // Diagonal EM runs in C# loops over the tensor's own memory (DiagonalExpectationMaximization).
        RowMemory? rows = covarianceModel.Type == CovarianceType.Diagonal
            ? new RowMemory(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(x.bytes)) : null;
        long firstBad = rows is { } memory ? memory.FirstNonFiniteRow((int)x.shape[1]) : FirstNonFiniteRow(x);
        if (firstBad >= 0) throw new ArgumentException($"{name}: row {firstBad} has a NaN or infinite value.");

        GaussianMixture? best = null;
        for (int restart = 0; restart < Options.Restarts; restart++)
        {
            var candidate = FitOnce(x, rows, Options.Seed + 7919 * restart);
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

    private GaussianMixture FitOnce(Tensor x, RowMemory? rows, int seed)
    {
        using var generator = new Generator((ulong)seed);
        var (weights, means, covariances) = Initialize(x, generator);
        if (Options.Initialization == MixtureInitialization.KMeans && Options.InitializeFromClusters)
        {
            using var clusterSquares = x * x;
            using var hard = HardAssignment(x, clusterSquares, means);
            DisposeAll(weights, means, covariances);
            (weights, means, covariances) = MStep(x, clusterSquares, hard);
        }
        if (rows is { } memory) return FitDiagonal(memory, x.shape[0], x.shape[1], weights, means, covariances);
        using var steps = new TensorSteps(this, x, weights, means, covariances);
        var (logLikelihoods, converged) = ExpectationMaximization.Run(steps, x.shape[0], Options);
        return steps.ToMixture(logLikelihoods, converged);
    }

    /// <summary>EM for diagonal covariances in managed memory (<see cref="DiagonalExpectationMaximization"/>).</summary>
    private GaussianMixture FitDiagonal(RowMemory rows, long n, long d, Tensor initialWeights, Tensor initialMeans, Tensor initialVariances)
    {
        var steps = new DiagonalSteps(this, rows, n, d, initialWeights, initialMeans, initialVariances);
        DisposeAll(initialWeights, initialMeans, initialVariances);
        var (logLikelihoods, converged) = ExpectationMaximization.Run(steps, n, Options);
        return steps.ToMixture(logLikelihoods, converged);
    }

    /// <summary>The steps on tensors, any covariance type; the parameters are replaced by each M-step.</summary>
    private sealed class TensorSteps(GaussianMixtureFitter fitter, Tensor x, Tensor weights, Tensor means, Tensor covariances) : IExpectationMaximizationSteps, IDisposable
    {
        private readonly Tensor squares = x * x; // once per fit, not once per E-step
        private Tensor? responsibilities;

        public double EStep()
        {
            // The mixture of this iteration's parameters owns them until the M-step replaces them.
            using var current = new GaussianMixture(fitter.Options.CovarianceType, weights, means, covariances, Array.Empty<double>(), false, 0);
            (responsibilities, double total) = GaussianMixtureFitter.EStep(current, x, squares);
            return total;
        }

        public void MStep()
        {
            using (responsibilities) (weights, means, covariances) = fitter.MStep(x, squares, responsibilities!);
            responsibilities = null;
        }

        public GaussianMixture ToMixture(List<double> logLikelihoods, bool converged) =>
            new(fitter.Options.CovarianceType, weights, means, covariances, logLikelihoods, converged, logLikelihoods[^1] / x.shape[0]);

        public void Dispose() => squares.Dispose();
    }

    /// <summary>The diagonal steps as C# SIMD loops over the data tensor's memory, the parameters in arrays.</summary>
    private sealed class DiagonalSteps : IExpectationMaximizationSteps
    {
        private readonly GaussianMixtureFitter fitter;
        private readonly DiagonalExpectationMaximization em;
        private readonly double[] weights, means, variances, responsibilities;
        private readonly long n, d;

        public DiagonalSteps(GaussianMixtureFitter fitter, RowMemory rows, long n, long d, Tensor initialWeights, Tensor initialMeans, Tensor initialVariances)
        {
            this.fitter = fitter;
            this.n = n;
            this.d = d;
            int k = fitter.Options.Components;
            weights = ToArray(initialWeights);
            means = ToArray(initialMeans);
            variances = ToArray(initialVariances);
            em = new DiagonalExpectationMaximization(rows, (int)n, (int)d, k, Faces.Torch.TorchEnvironment.Threads);
            responsibilities = new double[n * k];
        }

        public double EStep() => em.EStep(weights, means, variances, responsibilities);

        public void MStep() => em.MStep(responsibilities, fitter.Options.RegCovar, fitter.Options.VarianceFloor, weights, means, variances);

        public GaussianMixture ToMixture(List<double> logLikelihoods, bool converged)
        {
            int k = weights.Length;
            return new GaussianMixture(fitter.Options.CovarianceType, tensor(weights), tensor(means, new long[] { k, d }), tensor(variances, new long[] { k, d }),
                logLikelihoods, converged, logLikelihoods[^1] / n);
        }
    }

    private static double[] ToArray(Tensor t)
    {
        using var contiguous = t.to_type(ScalarType.Float64).contiguous();
        return contiguous.data<double>().ToArray();
    }

    private static long FirstNonFiniteRow(Tensor x)
    {
        using var finite = x.isfinite().all(1);
        if (finite.all().item<bool>()) return -1;
        using var bad = finite.logical_not().nonzero();
        return bad[0, 0].item<long>();
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
        // The data's moments only where the start needs them (a pass over the data each: 3 ms for 500×2304 here).
        bool givenVariances = Options.Initialization == MixtureInitialization.Given && Options.InitialVariances != null;
        var dataVariance = givenVariances ? null : x.var(0, unbiased: false);

        var weights = (Options.RandConst + rand(k, dtype: ScalarType.Float64, generator: generator));
        weights = weights / weights.sum();
        Tensor means = Options.Initialization switch
        {
            MixtureInitialization.Random => x.mean(new long[] { 0 }) + randn(new long[] { k, d }, dtype: ScalarType.Float64, generator: generator) * (dataVariance!.sqrt() / Options.RandConst),
            MixtureInitialization.KMeans => KMeans.Centres(x, k, Options.KMeansIterations, generator),
            _ => tensor(Options.InitialMeans!.SelectMany(r => r.Length == d ? r : throw new ArgumentException($"InitialMeans rows must have {d} values.")).ToArray(), new long[] { k, d }),
        };
        if (Options.Initialization == MixtureInitialization.Given)
            weights = Options.InitialWeights != null ? tensor(Options.InitialWeights) : full(k, 1.0 / k, dtype: ScalarType.Float64);

        var variances = givenVariances
            ? tensor(Options.InitialVariances!.SelectMany(r => r).ToArray(), new long[] { k, d })
            : (2 * dataVariance!).clamp_min(Options.VarianceFloor).expand(k, d).clone();
        var covariances = covarianceModel.Initial(variances);
        return (weights.MoveToOuterDisposeScope(), means.MoveToOuterDisposeScope(), covariances.MoveToOuterDisposeScope());
    }
}
