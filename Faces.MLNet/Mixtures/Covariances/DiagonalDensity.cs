using System.Numerics.Tensors;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>
/// Per-row scoring with a diagonal precision per component (spherical ones repeat one value): the quadratic
/// Σ_d p_kd (x_d − μ_kd)² = x²·p_k − 2 x·(μ_k p_k) + Σ μ_k² p_k costs two dot products per component.
/// </summary>
internal sealed class DiagonalDensity : MixtureDensity
{
    private readonly double[] precision;      // p = (1/σ)² [K·D]
    private readonly double[] precisionMean;  // μ·p [K·D]
    private readonly double[] meanQuadratic;  // Σ μ² p [K]
    private readonly double[] logTerm;        // log π_k + Σ log(1/σ) [K]

    /// <summary>p = (1/σ)², component after component [K·D].</summary>
    public ReadOnlySpan<double> Precision => precision;
    /// <summary>μ·p [K·D].</summary>
    public ReadOnlySpan<double> PrecisionMean => precisionMean;
    /// <summary>Σ μ² p [K].</summary>
    public ReadOnlySpan<double> MeanQuadratic => meanQuadratic;
    /// <summary>log π_k + Σ log(1/σ) [K].</summary>
    public ReadOnlySpan<double> LogTerm => logTerm;

    public DiagonalDensity(double[] logWeights, double[] means, double[] precisionCholesky, int dimension)
        : base(logWeights.Length, dimension)
    {
        int k = logWeights.Length, d = dimension;
        precision = new double[k * d];
        precisionMean = new double[k * d];
        meanQuadratic = new double[k];
        logTerm = new double[k];
        for (int c = 0; c < k; c++)
        {
            double logDeterminant = 0;
            for (int j = 0; j < d; j++)
            {
                int i = c * d + j;
                precision[i] = precisionCholesky[i] * precisionCholesky[i];
                precisionMean[i] = means[i] * precision[i];
                meanQuadratic[c] += means[i] * precisionMean[i];
                logDeterminant += Math.Log(precisionCholesky[i]);
            }
            logTerm[c] = logWeights[c] + logDeterminant;
        }
    }

    protected override void Score(ReadOnlySpan<double> x, Span<double> result)
    {
        int d = Dimension;
        Span<double> squares = d <= 4096 ? stackalloc double[d] : new double[d];
        TensorPrimitives.Multiply(x, x, squares);
        for (int c = 0; c < Components; c++)
        {
            double quadratic = TensorPrimitives.Dot<double>(squares, precision.AsSpan(c * d, d))
                               - 2 * TensorPrimitives.Dot(x, precisionMean.AsSpan(c * d, d)) + meanQuadratic[c];
            result[c] = Gaussian(quadratic) + logTerm[c];
        }
    }
}
