using System.Numerics.Tensors;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>
/// Per-row scoring with full precision matrices Σ⁻¹ = P Pᵀ: the quadratic is |x P − μ P|², one row-by-matrix
/// product per component (one in all when the matrix is shared).
/// </summary>
internal sealed class CholeskyDensity : MixtureDensity
{
    private readonly double[] factors;          // P: [K·D·D], or [D·D] when shared
    private readonly double[] transformedMeans; // μ P [K·D]
    private readonly double[] logTerm;          // log π_k + log|P_k| [K]
    private readonly bool shared;

    /// <summary>P, row-major D×D, component after component (one matrix when <see cref="Shared"/>).</summary>
    public ReadOnlySpan<double> Factors => factors;
    /// <summary>μ P [K·D].</summary>
    public ReadOnlySpan<double> TransformedMeans => transformedMeans;
    /// <summary>log π_k + log|P_k| [K].</summary>
    public ReadOnlySpan<double> LogTerm => logTerm;
    /// <summary>Whether every component uses the one matrix.</summary>
    public bool Shared => shared;

    public CholeskyDensity(double[] logWeights, double[] means, double[] precisionCholesky, int dimension, bool shared)
        : base(logWeights.Length, dimension)
    {
        int k = logWeights.Length, d = dimension;
        this.shared = shared;
        factors = precisionCholesky;
        transformedMeans = new double[k * d];
        logTerm = new double[k];
        for (int c = 0; c < k; c++)
        {
            var factor = Factor(c);
            MultiplyRow(means.AsSpan(c * d, d), factor, transformedMeans.AsSpan(c * d, d));
            double logDeterminant = 0;
            for (int j = 0; j < d; j++) logDeterminant += Math.Log(factor[j * d + j]);
            logTerm[c] = logWeights[c] + logDeterminant;
        }
    }

    private ReadOnlySpan<double> Factor(int component) =>
        factors.AsSpan(shared ? 0 : component * Dimension * Dimension, Dimension * Dimension);

    protected override void Score(ReadOnlySpan<double> x, Span<double> result)
    {
        int d = Dimension;
        Span<double> y = d <= 4096 ? stackalloc double[d] : new double[d];
        for (int c = 0; c < Components; c++)
        {
            if (c == 0 || !shared) MultiplyRow(x, Factor(c), y);
            var mean = transformedMeans.AsSpan(c * d, d);
            double quadratic = 0;
            for (int j = 0; j < d; j++)
            {
                double difference = y[j] - mean[j];
                quadratic += difference * difference;
            }
            result[c] = Gaussian(quadratic) + logTerm[c];
        }
    }

    /// <summary>y = x P for a row vector x and a row-major D×D matrix P.</summary>
    private static void MultiplyRow(ReadOnlySpan<double> x, ReadOnlySpan<double> matrix, Span<double> y)
    {
        int d = x.Length;
        y.Clear();
        for (int i = 0; i < d; i++)
            if (x[i] != 0) TensorPrimitives.MultiplyAdd(matrix.Slice(i * d, d), x[i], y, y);
    }
}
