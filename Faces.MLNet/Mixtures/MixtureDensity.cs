using System.Numerics.Tensors;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// A fitted mixture's log-density terms, precomputed once into managed arrays, for scoring one row at a time.
/// Immutable, so any number of threads may score with one instance (ML.NET's parallel cursors do); it calls no
/// TorchSharp code, whose implicit scalars can be freed by the finalizer while a native call still reads them.
/// Each covariance type makes its own (<see cref="Covariances.CovarianceModel.Density"/>).
/// </summary>
internal abstract class MixtureDensity
{
    /// <summary>log 2π, the one definition every Gaussian log-density of the mixtures uses.</summary>
    public const double Log2Pi = 1.8378770664093453;

    public int Components { get; }
    public int Dimension { get; }

    protected MixtureDensity(int components, int dimension)
    {
        Components = components;
        Dimension = dimension;
    }

    /// <summary>log π_k + log N(x | μ_k, Σ_k) for every component k.</summary>
    public void WeightedLogProbabilities(ReadOnlySpan<double> x, Span<double> result)
    {
        if (x.Length != Dimension) throw new ArgumentException($"The row has {x.Length} values; the mixture has {Dimension} dimensions.");
        Score(x, result);
    }

    protected abstract void Score(ReadOnlySpan<double> x, Span<double> result);

    /// <summary>log p(x) = log Σ_k exp(log π_k + log N(x | μ_k, Σ_k)), with the responsibilities when asked for.</summary>
    public double LogDensity(ReadOnlySpan<double> x, Span<double> responsibilities = default)
    {
        Span<double> joint = Components <= 256 ? stackalloc double[Components] : new double[Components];
        WeightedLogProbabilities(x, joint);
        double total = LogSumExp(joint);
        if (!responsibilities.IsEmpty)
            for (int c = 0; c < Components; c++) responsibilities[c] = Math.Exp(joint[c] - total);
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

    /// <summary>−½ (D log 2π + quadratic) with a tiny negative Mahalanobis distance (rounding) taken as 0.</summary>
    protected double Gaussian(double quadratic) => -0.5 * (Dimension * Log2Pi + Math.Max(quadratic, 0));
}
