using System.Numerics.Tensors;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// A fitted mixture's log-density terms, precomputed once into managed arrays, for scoring one row at a time.
/// Immutable, so any number of threads may score with one instance (ML.NET's parallel cursors do); it calls no
/// TorchSharp code, whose implicit scalars can be freed by the finalizer while a native call still reads them.
/// </summary>
/// <remarks>
/// log π_k + log N(x | μ_k, Σ_k) = constant_k − ½ · quadratic_k(x), with constant_k = log π_k − ½ D log 2π + ½ log|Σ_k⁻¹|
/// and the quadratic written so that a row costs one or two dot products per component (diagonal, spherical) or one
/// product with the precision Cholesky factor (full, shared full).
/// </remarks>
internal sealed class MixtureDensity
{
    private const double Log2Pi = 1.8378770664093453;

    private readonly CovarianceType type;
    private readonly int components;
    private readonly int dimension;
    private readonly double[] constant;       // [K]
    private readonly double[] precision;      // diagonal [K·D]; spherical [K]; full [K·D·D]; shared [D·D] (Cholesky P, Σ⁻¹ = P Pᵀ)
    private readonly double[] transformedMean; // diagonal: μ·precision [K·D]; spherical: μ [K·D]; full/shared: μ P [K·D]
    private readonly double[] meanQuadratic;  // diagonal: Σ μ² precision; spherical: Σ μ² [K]; unused otherwise

    public int Components => components;
    public int Dimension => dimension;

    public MixtureDensity(CovarianceType type, double[] weights, double[] means, double[] covariances, double[]? precisionCholesky, int dimension)
    {
        this.type = type;
        this.dimension = dimension;
        components = weights.Length;
        int k = components, d = dimension;
        constant = new double[k];
        meanQuadratic = new double[k];
        switch (type)
        {
            case CovarianceType.Diagonal:
                precision = new double[k * d];
                transformedMean = new double[k * d];
                for (int c = 0; c < k; c++)
                {
                    double logDeterminantHalf = 0, quadratic = 0;
                    for (int j = 0; j < d; j++)
                    {
                        int i = c * d + j;
                        precision[i] = 1 / covariances[i];
                        transformedMean[i] = means[i] * precision[i];
                        quadratic += means[i] * transformedMean[i];
                        logDeterminantHalf += 0.5 * Math.Log(precision[i]);
                    }
                    meanQuadratic[c] = quadratic;
                    constant[c] = Math.Log(weights[c]) - 0.5 * d * Log2Pi + logDeterminantHalf;
                }
                break;
            case CovarianceType.Spherical:
                precision = covariances.Select(v => 1 / v).ToArray();
                transformedMean = (double[])means.Clone();
                for (int c = 0; c < k; c++)
                {
                    meanQuadratic[c] = TensorPrimitives.Dot<double>(means.AsSpan(c * d, d), means.AsSpan(c * d, d));
                    constant[c] = Math.Log(weights[c]) - 0.5 * d * Log2Pi + 0.5 * d * Math.Log(precision[c]);
                }
                break;
            default:
            {
                precision = precisionCholesky ?? throw new ArgumentNullException(nameof(precisionCholesky));
                bool shared = type == CovarianceType.SharedFull;
                transformedMean = new double[k * d];
                for (int c = 0; c < k; c++)
                {
                    var factor = precision.AsSpan(shared ? 0 : c * d * d, d * d);
                    MultiplyRow(means.AsSpan(c * d, d), factor, transformedMean.AsSpan(c * d, d));
                    double logDeterminantHalf = 0;
                    for (int j = 0; j < d; j++) logDeterminantHalf += Math.Log(factor[j * d + j]);
                    constant[c] = Math.Log(weights[c]) - 0.5 * d * Log2Pi + logDeterminantHalf;
                }
                break;
            }
        }
    }

    /// <summary>log π_k + log N(x | μ_k, Σ_k) for every component k.</summary>
    public void WeightedLogProbabilities(ReadOnlySpan<double> x, Span<double> result)
    {
        if (x.Length != dimension) throw new ArgumentException($"The row has {x.Length} values; the mixture has {dimension} dimensions.");
        int d = dimension;
        switch (type)
        {
            case CovarianceType.Diagonal:
            {
                Span<double> squares = d <= 4096 ? stackalloc double[d] : new double[d];
                TensorPrimitives.Multiply(x, x, squares);
                for (int c = 0; c < components; c++)
                {
                    double quadratic = TensorPrimitives.Dot<double>(squares, precision.AsSpan(c * d, d))
                                       - 2 * TensorPrimitives.Dot(x, transformedMean.AsSpan(c * d, d)) + meanQuadratic[c];
                    result[c] = Finish(c, quadratic);
                }
                break;
            }
            case CovarianceType.Spherical:
            {
                double square = TensorPrimitives.Dot(x, x);
                for (int c = 0; c < components; c++)
                {
                    double distance = square - 2 * TensorPrimitives.Dot(x, transformedMean.AsSpan(c * d, d)) + meanQuadratic[c];
                    result[c] = Finish(c, distance * precision[c]);
                }
                break;
            }
            default:
            {
                bool shared = type == CovarianceType.SharedFull;
                Span<double> y = d <= 4096 ? stackalloc double[d] : new double[d];
                for (int c = 0; c < components; c++)
                {
                    if (c == 0 || !shared) MultiplyRow(x, precision.AsSpan(shared ? 0 : c * d * d, d * d), y);
                    double quadratic = 0;
                    var mean = transformedMean.AsSpan(c * d, d);
                    for (int j = 0; j < d; j++)
                    {
                        double difference = y[j] - mean[j];
                        quadratic += difference * difference;
                    }
                    result[c] = Finish(c, quadratic);
                }
                break;
            }
        }
    }

    /// <summary>log p(x) = log Σ_k exp(log π_k + log N(x | μ_k, Σ_k)), with the responsibilities when asked for.</summary>
    public double LogDensity(ReadOnlySpan<double> x, Span<double> responsibilities = default)
    {
        Span<double> joint = components <= 256 ? stackalloc double[components] : new double[components];
        WeightedLogProbabilities(x, joint);
        double total = LogSumExp(joint);
        if (!responsibilities.IsEmpty)
            for (int c = 0; c < components; c++) responsibilities[c] = Math.Exp(joint[c] - total);
        return total;
    }

    /// <summary>log Σ exp(v), stable for large magnitudes; −∞ when every value is −∞.</summary>
    public static double LogSumExp(ReadOnlySpan<double> values)
    {
        double max = TensorPrimitives.Max(values);
        if (double.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (var v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }

    // Rounding can make a tiny Mahalanobis distance negative; it is a squared norm.
    private double Finish(int c, double quadratic) => constant[c] - 0.5 * Math.Max(quadratic, 0);

    /// <summary>y = x P for a row vector x and a row-major D×D matrix P.</summary>
    private static void MultiplyRow(ReadOnlySpan<double> x, ReadOnlySpan<double> matrix, Span<double> y)
    {
        int d = x.Length;
        y.Clear();
        for (int i = 0; i < d; i++)
            if (x[i] != 0) TensorPrimitives.MultiplyAdd(matrix.Slice(i * d, d), x[i], y, y);
    }
}
