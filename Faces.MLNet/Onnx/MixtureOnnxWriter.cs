using Faces.MLNet.Mixtures;
using Faces.MLNet.Mixtures.Covariances;

namespace Faces.MLNet.Onnx;

/// <summary>
/// The mixture-of-Gaussians classifier as ONNX operators, in float64 as Faces scores it (a log-density of a
/// 2,304-pixel face is thousands of nats: float32 would lose the differences between classes). Every class's
/// components are scored together: diagonal and spherical covariances by two MatMuls (x²·p − 2x·μp + Σμ²p), full and
/// shared ones by one MatMul with the precision factors (|xP − μP|²); then ReduceLogSumExp over each class's
/// components, the class priors, and a Softmax. All four covariance types export; only the 2 GB limit of one ONNX
/// file (one protobuf message) can refuse a model (<see cref="Refusal"/>).
/// </summary>
internal static class MixtureOnnxWriter
{
    /// <summary>Parameter bytes beyond which the graph would not fit in one ONNX file (2 GB, less room for the rest).</summary>
    public const long MaxParameterBytes = 1_800_000_000;

    // A padding component (a class with fewer components than the most) that never counts: exp(−1e300 − m) is 0 in
    // float64, and unlike −∞ it keeps the log-sum-exp of a class with no components finite.
    private const double Impossible = -1e300;

    /// <summary>Why these mixtures cannot be exported, or null when they can.</summary>
    public static string? Refusal(IReadOnlyList<GaussianMixture?> mixtures, int dimension)
    {
        var present = mixtures.Where(m => m != null).Select(m => m!).ToArray();
        if (present.Length == 0) return "the mixture-of-Gaussians model has no class with a mixture";
        if (present.Select(m => m.CovarianceType).Distinct().Count() > 1) return "the classes' mixtures have different covariance types";
        long bytes = ParameterBytes(present[0].CovarianceType, mixtures.Count, present.Max(m => m.Components), dimension);
        return bytes > MaxParameterBytes
            ? $"{present[0].CovarianceType} covariances of {dimension} features need {bytes / 1e9:F1} GB of parameters; an ONNX file holds at most 2 GB"
            : null;
    }

    private static long ParameterBytes(CovarianceType type, long classes, long components, long dimension) => type switch
    {
        CovarianceType.Full => checked(classes * components * dimension * (dimension + 1) * sizeof(double)),
        CovarianceType.SharedFull => checked((classes * dimension * dimension + classes * components * dimension) * sizeof(double)),
        _ => checked(2 * classes * components * dimension * sizeof(double)),
    };

    public static void Write(OnnxGraph graph, IReadOnlyList<GaussianMixture?> mixtures, IReadOnlyList<double> logPriors, int dimension,
        string features, string[] outputs)
    {
        int classes = mixtures.Count, most = mixtures.Max(m => m?.Components ?? 0), all = classes * most;
        var x = graph.Node("Cast", new[] { features }, n => n.AddAttribute("to", typeof(double)));
        var constant = new double[all];
        Array.Fill(constant, Impossible);
        var densities = mixtures.Select(m => m?.Density).ToArray();
        string quadratic = densities.First(d => d != null) is DiagonalDensity
            ? DiagonalQuadratic(graph, densities, x, dimension, most, constant)
            : CholeskyQuadratic(graph, densities, x, dimension, most, constant);
        // log π_k + log N(x | μ_k, Σ_k) = −½ (D log 2π + max(quadratic, 0)) + log π_k + log|P_k|, as MixtureDensity computes it.
        var clamped = graph.Node("Max", new[] { quadratic, graph.Scalar(0.0, "zero") });
        var weighted = graph.Node("Add", new[] { graph.Node("Mul", new[] { clamped, graph.Scalar(-0.5, "minusHalf") }), graph.Doubles(constant, new long[] { all }, "constant") });
        var perClass = graph.Node("Reshape", new[] { weighted, graph.Longs(new long[] { -1, classes, most }, "classShape") });
        var logDensity = graph.Node("ReduceLogSumExp", new[] { perClass }, n => { n.AddAttribute("axes", new long[] { 2 }); n.AddAttribute("keepdims", 0L); });
        var joint = graph.Node("Add", new[] { logDensity, graph.Doubles(logPriors.ToArray(), new long[] { classes }, "logPriors") });
        var posterior = graph.Node("Softmax", new[] { joint }, n => n.AddAttribute("axis", 1L));
        ClassScoreOutputs.Write(graph, graph.Node("Cast", new[] { posterior }, n => n.AddAttribute("to", typeof(float))), outputs);
    }

    /// <summary>Σ_d p_kd (x_d − μ_kd)² for every class and component, [N, classes·most].</summary>
    private static string DiagonalQuadratic(OnnxGraph graph, MixtureDensity?[] densities, string x, int dimension, int most, double[] constant)
    {
        int all = densities.Length * most;
        var precision = new double[dimension * all];      // [D, all]: column c·most + k is component k of class c
        var precisionMean = new double[dimension * all];
        var meanQuadratic = new double[all];
        for (int c = 0; c < densities.Length; c++)
        {
            if (densities[c] is not DiagonalDensity density) continue;
            for (int k = 0; k < density.Components; k++)
            {
                int column = c * most + k;
                for (int j = 0; j < dimension; j++)
                {
                    precision[j * all + column] = density.Precision[k * dimension + j];
                    precisionMean[j * all + column] = density.PrecisionMean[k * dimension + j];
                }
                meanQuadratic[column] = density.MeanQuadratic[k];
                constant[column] = density.LogTerm[k] - 0.5 * dimension * MixtureDensity.Log2Pi;
            }
        }
        var shape = new long[] { dimension, all };
        var squares = graph.Node("MatMul", new[] { graph.Node("Mul", new[] { x, x }), graph.Doubles(precision, shape, "precision") });
        var cross = graph.Node("MatMul", new[] { x, graph.Doubles(precisionMean, shape, "precisionMean") });
        var difference = graph.Node("Sub", new[] { squares, graph.Node("Mul", new[] { cross, graph.Scalar(2.0, "two") }) });
        return graph.Node("Add", new[] { difference, graph.Doubles(meanQuadratic, new long[] { all }, "meanQuadratic") });
    }

    /// <summary>|x P_k − μ_k P_k|² for every class and component, [N, classes·most].</summary>
    private static string CholeskyQuadratic(OnnxGraph graph, MixtureDensity?[] densities, string x, int dimension, int most, double[] constant)
    {
        int classes = densities.Length, all = classes * most;
        bool shared = densities.OfType<CholeskyDensity>().First().Shared;
        int perClass = shared ? 1 : most, groups = classes * perClass;
        var factors = new double[(long)dimension * groups * dimension]; // [D, groups·D]: block g is factor g
        var means = new double[(long)all * dimension];                   // [classes, most, D]
        for (int c = 0; c < classes; c++)
        {
            if (densities[c] is not CholeskyDensity density) continue;
            for (int g = 0; g < (shared ? 1 : density.Components); g++)
            {
                var factor = density.Factors.Slice(g * dimension * dimension, dimension * dimension);
                long block = (long)(c * perClass + g) * dimension;
                for (int i = 0; i < dimension; i++)
                    factor.Slice(i * dimension, dimension).CopyTo(factors.AsSpan((int)((long)i * groups * dimension + block), dimension));
            }
            for (int k = 0; k < density.Components; k++)
            {
                density.TransformedMeans.Slice(k * dimension, dimension).CopyTo(means.AsSpan((c * most + k) * dimension, dimension));
                constant[c * most + k] = density.LogTerm[k] - 0.5 * dimension * MixtureDensity.Log2Pi;
            }
        }
        var transformed = graph.Node("MatMul", new[] { x, graph.Doubles(factors, new long[] { dimension, (long)groups * dimension }, "factors") });
        var grouped = graph.Node("Reshape", new[] { transformed, graph.Longs(new long[] { -1, classes, perClass, dimension }, "factorShape") });
        var difference = graph.Node("Sub", new[] { grouped, graph.Doubles(means, new long[] { classes, most, dimension }, "transformedMeans") });
        var squared = graph.Node("ReduceSum", new[] { graph.Node("Mul", new[] { difference, difference }) },
            n => { n.AddAttribute("axes", new long[] { 3 }); n.AddAttribute("keepdims", 0L); });
        return graph.Node("Reshape", new[] { squared, graph.Longs(new long[] { -1, all }, "flatShape") });
    }
}
