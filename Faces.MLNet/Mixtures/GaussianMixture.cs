using Faces.MLNet.Mixtures.Covariances;
using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// A fitted mixture of Gaussians: mixing coefficients, means, covariances, and the EM run that produced them
/// (log-likelihood per iteration, whether it converged). Computes log-densities and responsibilities in float64.
/// </summary>
public sealed class GaussianMixture : IDisposable
{
    private readonly Tensor weights;            // [K]
    private readonly Tensor means;              // [K, D]
    private readonly Tensor covariances;        // the covariance type's shape (CovarianceModel.Shape)
    private readonly Tensor precisionCholesky;  // stored beside them: diagonal/spherical 1/σ; full P with Σ⁻¹ = P Pᵀ
    private readonly Tensor logWeights;         // [K]
    private readonly CovarianceModel model;
    private readonly Lazy<MixtureDensity> density;

    /// <summary>Covariance shape.</summary>
    public CovarianceType CovarianceType => model.Type;
    /// <summary>Number of components K.</summary>
    public int Components => (int)weights.shape[0];
    /// <summary>Dimension D.</summary>
    public int Dimension => (int)means.shape[1];
    /// <summary>Σ_n log p(x_n) of each EM iteration, computed in its E-step, before its M-step (as the study records it).</summary>
    public IReadOnlyList<double> LogLikelihoods { get; }
    /// <summary>Whether the tolerance was met before the iteration limit.</summary>
    public bool Converged { get; }
    /// <summary>EM iterations run.</summary>
    public int Iterations => LogLikelihoods.Count;
    /// <summary>The last iteration's mean log-likelihood per example (scikit-learn's lower_bound_).</summary>
    public double LowerBound { get; }

    internal GaussianMixture(CovarianceType type, Tensor weights, Tensor means, Tensor covariances,
        IReadOnlyList<double> logLikelihoods, bool converged, double lowerBound)
    {
        model = CovarianceModel.For(type);
        this.weights = weights;
        this.means = means;
        this.covariances = covariances;
        LogLikelihoods = logLikelihoods;
        Converged = converged;
        LowerBound = lowerBound;
        precisionCholesky = model.PrecisionCholesky(covariances);
        logWeights = weights.log();
        // Built on first use: a full-covariance mixture's managed copy is as large as its tensors.
        density = new Lazy<MixtureDensity>(() => model.Density(Flat(logWeights), Flat(means), Flat(precisionCholesky), Dimension),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The precomputed per-row scorer (thread-safe, no TorchSharp calls).</summary>
    internal MixtureDensity Density => density.Value;

    private static double[] Flat(Tensor t) => t.contiguous().data<double>().ToArray();

    /// <summary>Mixing coefficients π_k.</summary>
    public double[] Weights => weights.data<double>().ToArray();

    /// <summary>Means μ_k, one row per component.</summary>
    public double[][] Means => Rows(means);

    /// <summary>
    /// Each component's variances per dimension (the covariance diagonal), one row per component: for showing as
    /// images. Spherical and shared covariances give the same row shape.
    /// </summary>
    public double[][] Variances
    {
        get
        {
            using var variances = model.Variances(covariances, Components, Dimension);
            return Rows(variances);
        }
    }

    /// <summary>The covariance tensor as stored (see <see cref="CovarianceModel.Shape"/>); a copy.</summary>
    public Tensor CovarianceTensor => covariances.clone();

    /// <summary>log π_k + log N(x_n | μ_k, Σ_k), [N, K], for float64 data [N, D] (and its squares x², when the caller has them).</summary>
    public Tensor WeightedLogProbabilities(Tensor x, Tensor? squares = null)
    {
        using var logGaussian = model.LogGaussian(x, means, precisionCholesky, squares);
        return logGaussian + logWeights;
    }

    /// <summary>log p(x_n) for float64 data [N, D].</summary>
    public Tensor LogDensity(Tensor x)
    {
        using var joint = WeightedLogProbabilities(x);
        return joint.logsumexp(1);
    }

    /// <summary>Posterior responsibilities γ_nk, [N, K].</summary>
    public Tensor Responsibilities(Tensor x)
    {
        using var joint = WeightedLogProbabilities(x);
        using var norm = joint.logsumexp(1, keepdim: true);
        using var log = joint - norm;
        return log.exp();
    }

    /// <summary>log p(x) for rows of floats, one row at a time (the same arithmetic ML.NET scoring uses).</summary>
    public double[] LogDensity(float[][] rows)
    {
        var row = new double[Dimension];
        return rows.Select((r, n) =>
        {
            if (r.Length != Dimension) throw new ArgumentException($"Row {n} has {r.Length} values; expected {Dimension}.");
            for (int d = 0; d < row.Length; d++) row[d] = r[d];
            return Density.LogDensity(row);
        }).ToArray();
    }

    internal static Tensor ToTensor(float[][] rows, int dimension)
    {
        TorchRuntime.EnsureInitialized();
        var flat = new double[rows.Length * (long)dimension];
        for (int n = 0; n < rows.Length; n++)
        {
            if (rows[n].Length != dimension) throw new ArgumentException($"Row {n} has {rows[n].Length} values; expected {dimension}.");
            for (int d = 0; d < dimension; d++) flat[n * (long)dimension + d] = rows[n][d];
        }
        return tensor(flat, new long[] { rows.Length, dimension });
    }

    /// <summary>Writes the parameters and the EM record (float64, little-endian).</summary>
    public void WriteTo(BinaryWriter writer)
    {
        writer.Write((int)CovarianceType);
        writer.Write(Components);
        writer.Write(Dimension);
        WriteDoubles(writer, weights);
        WriteDoubles(writer, means);
        WriteDoubles(writer, covariances);
        writer.Write(LogLikelihoods.Count);
        foreach (var ll in LogLikelihoods) writer.Write(ll);
        writer.Write(Converged);
        writer.Write(LowerBound);
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote.</summary>
    public static GaussianMixture ReadFrom(BinaryReader reader)
    {
        TorchRuntime.EnsureInitialized();
        var type = (CovarianceType)reader.ReadInt32();
        int k = reader.ReadInt32(), d = reader.ReadInt32();
        if (!Enum.IsDefined(type) || k < 1 || d < 1) throw new InvalidDataException($"Corrupt mixture header ({type}, K={k}, D={d}).");
        // Means alone are K·D doubles: a header asking for more than the stream holds is damage, not a mixture.
        Internals.ChecksummedBlock.CheckRemaining(reader, (long)k * d, sizeof(double), "The mixture");
        var w = ReadDoubles(reader, k);
        var mu = ReadDoubles(reader, k, d);
        var cov = ReadDoubles(reader, CovarianceModel.For(type).Shape(k, d));
        int iterations = reader.ReadInt32();
        Internals.ChecksummedBlock.CheckRemaining(reader, iterations, sizeof(double), "The mixture's EM record");
        var lls = Enumerable.Range(0, iterations).Select(_ => reader.ReadDouble()).ToArray();
        bool converged = reader.ReadBoolean();
        double lowerBound = reader.ReadDouble();
        return new GaussianMixture(type, w, mu, cov, lls, converged, lowerBound);
    }

    private static void WriteDoubles(BinaryWriter writer, Tensor t)
    {
        foreach (var v in t.contiguous().data<double>()) writer.Write(v);
    }

    private static Tensor ReadDoubles(BinaryReader reader, params long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        Internals.ChecksummedBlock.CheckRemaining(reader, count, sizeof(double), "The mixture");
        var values = new double[count];
        for (long i = 0; i < count; i++) values[i] = reader.ReadDouble();
        return tensor(values, shape);
    }

    private static double[][] Rows(Tensor t)
    {
        var c = t.contiguous();
        var all = c.data<double>().ToArray();
        int rows = (int)c.shape[0], width = (int)c.shape[1];
        return Enumerable.Range(0, rows).Select(r => all.AsSpan(r * width, width).ToArray()).ToArray();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        weights.Dispose();
        means.Dispose();
        covariances.Dispose();
        precisionCholesky.Dispose();
        logWeights.Dispose();
    }
}
