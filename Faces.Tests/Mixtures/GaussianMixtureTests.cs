using System.Text.Json;
using Faces.MLNet.Mixtures;
using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.Tests.Mixtures;

public sealed class GaussianMixtureTests
{
    public GaussianMixtureTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Rows from a known mixture: component c has mean centres[c], spread sigma, and weight weights[c].</summary>
    private static float[][] Sample(double[][] centres, double[] weights, double sigma, int count, int seed)
    {
        var random = new Random(seed);
        var rows = new float[count][];
        for (int n = 0; n < count; n++)
        {
            double u = random.NextDouble(), cumulative = 0;
            int c = 0;
            while (c < weights.Length - 1 && (cumulative += weights[c]) < u) c++;
            rows[n] = centres[c].Select(m => (float)(m + sigma * Gaussian(random))).ToArray();
        }
        return rows;
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());

    [Theory]
    [InlineData(CovarianceType.Diagonal)]
    [InlineData(CovarianceType.Spherical)]
    [InlineData(CovarianceType.SharedFull)]
    [InlineData(CovarianceType.Full)]
    public void Em_recovers_the_means_and_weights_of_a_known_mixture(CovarianceType type)
    {
        double[][] centres = { new[] { 0.0, 0.0, 0.0 }, new[] { 6.0, 0.0, 3.0 }, new[] { 0.0, 6.0, -3.0 } };
        double[] weights = { 0.5, 0.3, 0.2 };
        var rows = Sample(centres, weights, 1.0, 3000, seed: 1);

        using var mixture = new GaussianMixtureFitter(new GaussianMixtureOptions
        {
            Components = 3, CovarianceType = type, Initialization = MixtureInitialization.KMeans, MaxIterations = 50, Tolerance = 1e-8, Seed = 3,
        }).Fit(rows);

        var order = Enumerable.Range(0, 3).OrderBy(k => mixture.Means[k][0] * 10 + mixture.Means[k][1]).ToArray(); // (0,0), (0,6), (6,0)
        int[] truth = { 0, 2, 1 };
        for (int i = 0; i < 3; i++)
        {
            for (int d = 0; d < 3; d++) Assert.Equal(centres[truth[i]][d], mixture.Means[order[i]][d], 0.15);
            Assert.Equal(weights[truth[i]], mixture.Weights[order[i]], 0.03);
            Assert.Equal(1.0, mixture.Variances[order[i]][0], 0.15);
        }
    }

    [Theory]
    [InlineData(CovarianceType.Diagonal, MixtureInitialization.Random)]
    [InlineData(CovarianceType.Diagonal, MixtureInitialization.KMeans)]
    [InlineData(CovarianceType.Spherical, MixtureInitialization.Random)]
    [InlineData(CovarianceType.SharedFull, MixtureInitialization.Random)]
    [InlineData(CovarianceType.Full, MixtureInitialization.KMeans)]
    public void The_log_likelihood_never_decreases(CovarianceType type, MixtureInitialization initialization)
    {
        var rows = Sample(new[] { new[] { 0.0, 1, 2, 3 }, new[] { 2.0, 2, 0, 0 }, new[] { -2.0, 0, 1, -1 } }, new[] { 0.4, 0.4, 0.2 }, 1.2, 500, seed: 2);

        using var mixture = new GaussianMixtureFitter(new GaussianMixtureOptions
        {
            Components = 4, CovarianceType = type, Initialization = initialization, MaxIterations = 30, Seed = 5,
        }).Fit(rows);

        Assert.Equal(30, mixture.Iterations);
        for (int i = 1; i < mixture.LogLikelihoods.Count; i++)
            Assert.True(mixture.LogLikelihoods[i] >= mixture.LogLikelihoods[i - 1] - 1e-9 * Math.Abs(mixture.LogLikelihoods[i]),
                $"iteration {i}: {mixture.LogLikelihoods[i - 1]} -> {mixture.LogLikelihoods[i]}");
        Assert.True(mixture.LogLikelihoods[^1] > mixture.LogLikelihoods[0]);
    }

    [Theory]
    [InlineData("diag", CovarianceType.Diagonal)]
    [InlineData("spherical", CovarianceType.Spherical)]
    [InlineData("tied", CovarianceType.SharedFull)]
    [InlineData("full", CovarianceType.Full)]
    public void Matches_scikit_learn_from_the_same_start(string sklearnName, CovarianceType type)
    {
        // sklearn_reference.py computed the reference with Debian's python3-sklearn on the same formulas.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Mixtures", "sklearn_reference.json")));
        var reference = json.RootElement.GetProperty(sklearnName);
        const int n = 60, d = 3;
        var rows = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, d)
            .Select(j => (float)((i % 2) * 3.0 + Math.Sin(1.7 * i + 0.9 * j + 0.3) * (1 + 0.5 * j))).ToArray()).ToArray();

        using var mixture = new GaussianMixtureFitter(new GaussianMixtureOptions
        {
            Components = 2, CovarianceType = type, MaxIterations = 5, VarianceFloor = 0, RegCovar = 1e-6,
            Initialization = MixtureInitialization.Given,
            InitialWeights = new[] { 0.4, 0.6 },
            InitialMeans = new[] { new[] { 0.5, 0.2, -0.1 }, new[] { 2.5, 2.8, 3.1 } },
            InitialVariances = new[] { new[] { 1.0, 1, 1 }, new[] { 1.0, 1, 1 } },
        }).Fit(rows);

        // float rows: the data passed through float32 on our side, so agreement is to ~1e-6, not 1e-12.
        AssertMatches(reference, mixture, 1e-5);
        AssertClose(reference.GetProperty("score_samples").EnumerateArray().Select(e => e.GetDouble()), mixture.LogDensity(rows[..5]), 1e-5);
    }

    [Fact]
    public void Diagonal_em_matches_scikit_learn_on_float64_data_wide_enough_for_its_vector_loops()
    {
        // 11 dimensions (two 4-wide vectors and a tail) and 6 components (a block of 4 and a partial one): every path
        // of the SIMD E- and M-steps; float64 data as sklearn_reference.py builds it, so agreement is to ~1e-10.
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Mixtures", "sklearn_reference.json")));
        var reference = json.RootElement.GetProperty("diag_wide");
        int n = reference.GetProperty("rows").GetInt32(), d = reference.GetProperty("dimension").GetInt32(), k = reference.GetProperty("components").GetInt32();
        var data = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, d)
            .Select(j => (i % k) * 1.5 + Math.Sin(0.37 * i * (j + 1) + 0.2 * j) * (1 + 0.1 * j))).ToArray();
        double weightSum = Enumerable.Range(1, k).Sum();

        using var x = tensor(data, new long[] { n, d });
        using var mixture = new GaussianMixtureFitter(new GaussianMixtureOptions
        {
            Components = k, CovarianceType = CovarianceType.Diagonal, MaxIterations = reference.GetProperty("iterations").GetInt32(),
            Tolerance = 0, VarianceFloor = 0, RegCovar = 1e-6, Initialization = MixtureInitialization.Given,
            InitialWeights = Enumerable.Range(1, k).Select(c => c / weightSum).ToArray(),
            InitialMeans = Enumerable.Range(0, k).Select(c => Enumerable.Range(0, d).Select(j => c * 1.4 + 0.3 * Math.Cos(c + j)).ToArray()).ToArray(),
            InitialVariances = Enumerable.Range(0, k).Select(_ => Enumerable.Repeat(0.8, d).ToArray()).ToArray(),
        }).Fit(x);

        AssertMatches(reference, mixture, 1e-9);
    }

    /// <summary>Weights, means, covariances and lower bound equal scikit-learn's reference within <paramref name="tolerance"/>.</summary>
    private static void AssertMatches(JsonElement reference, GaussianMixture mixture, double tolerance)
    {
        AssertClose(reference.GetProperty("weights").EnumerateArray().Select(e => e.GetDouble()), mixture.Weights, tolerance);
        AssertClose(reference.GetProperty("means").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetDouble()),
            mixture.Means.SelectMany(r => r), tolerance);
        using var covariance = mixture.CovarianceTensor;
        AssertClose(reference.GetProperty("covariances").EnumerateArray().Select(e => e.GetDouble()), covariance.data<double>().ToArray(), tolerance);
        Assert.Equal(reference.GetProperty("lower_bound").GetDouble(), mixture.LowerBound, tolerance);
    }

    private static void AssertClose(IEnumerable<double> expected, IEnumerable<double> actual, double tolerance)
    {
        var e = expected.ToArray();
        var a = actual.ToArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, Math.Abs(e[i])), $"entry {i}: expected {e[i]}, got {a[i]}");
    }

    [Fact]
    public void Em_with_a_tolerance_stops_once_converged_with_the_parameters_of_a_full_run()
    {
        double[][] centres = { new[] { 0.0, 0.0 }, new[] { 8.0, 8.0 } };
        var rows = Sample(centres, new[] { 0.6, 0.4 }, 1.0, 2000, seed: 3);
        var options = new GaussianMixtureOptions { Components = 2, MaxIterations = 200, Initialization = MixtureInitialization.KMeans, Tolerance = 1e-12 };
        using var stopped = new GaussianMixtureFitter(options).Fit(rows);
        using var full = new GaussianMixtureFitter(options with { Tolerance = 0 }).Fit(rows);

        Assert.True(stopped.Converged);
        Assert.True(stopped.Iterations < 50, $"well separated blobs converge in a few iterations; it ran {stopped.Iterations}");
        Assert.False(full.Converged);
        Assert.Equal(200, full.Iterations);
        for (int k = 0; k < 2; k++)
        {
            Assert.Equal(full.Weights[k], stopped.Weights[k], 6);
            for (int d = 0; d < 2; d++) Assert.Equal(full.Means[k][d], stopped.Means[k][d], 5);
        }
    }

    [Fact]
    public void Constant_pixels_keep_a_finite_likelihood_through_the_variance_floor()
    {
        var rows = Sample(new[] { new[] { 0.0, 0, 0 }, new[] { 3.0, 3, 0 } }, new[] { 0.5, 0.5 }, 0.5, 200, seed: 4);
        foreach (var row in rows) row[2] = 0.5f; // a pixel that never changes

        using var mixture = new GaussianMixtureFitter(new GaussianMixtureOptions { Components = 2, VarianceFloor = 0.01 }).Fit(rows);

        Assert.All(mixture.LogLikelihoods, ll => Assert.True(double.IsFinite(ll)));
        Assert.All(mixture.Variances, v => Assert.True(v[2] >= 0.01));
    }

    [Fact]
    public void One_component_is_the_sample_mean_and_variance()
    {
        var rows = Sample(new[] { new[] { 1.0, -2 } }, new[] { 1.0 }, 2.0, 400, seed: 6);
        using var mixture = new GaussianMixtureFitter(new GaussianMixtureOptions { Components = 1, MaxIterations = 3, VarianceFloor = 1e-6 }).Fit(rows);
        double mean = rows.Average(r => r[0]);
        double variance = rows.Average(r => (r[0] - mean) * (r[0] - mean));
        Assert.Equal(1.0, mixture.Weights[0], 9);
        Assert.Equal(mean, mixture.Means[0][0], 5);
        Assert.Equal(variance, mixture.Variances[0][0], 4);
    }

    [Fact]
    public void Bad_data_gives_clear_errors()
    {
        var rows = Sample(new[] { new[] { 0.0, 0 } }, new[] { 1.0 }, 1, 10, seed: 7);
        rows[6][1] = float.NaN;
        var nan = Assert.Throws<ArgumentException>(() => new GaussianMixtureFitter(new GaussianMixtureOptions { Components = 2 }).Fit(rows, "faces"));
        Assert.Contains("row 6", nan.Message);
        Assert.Contains("faces", nan.Message);

        var few = Assert.Throws<ArgumentException>(() => new GaussianMixtureFitter(new GaussianMixtureOptions { Components = 20 }).Fit(rows[..5]));
        Assert.Contains("5 rows", few.Message);
    }

    [Fact]
    public void Restarts_keep_the_best_lower_bound()
    {
        var rows = Sample(new[] { new[] { 0.0, 0 }, new[] { 4.0, 4 }, new[] { 0.0, 5 } }, new[] { 0.3, 0.3, 0.4 }, 0.7, 300, seed: 8);
        var single = Enumerable.Range(0, 4).Select(r =>
        {
            using var m = new GaussianMixtureFitter(new GaussianMixtureOptions { Components = 3, Seed = 11 + 7919 * r }).Fit(rows);
            return m.LowerBound;
        }).Max();
        using var best = new GaussianMixtureFitter(new GaussianMixtureOptions { Components = 3, Seed = 11, Restarts = 4 }).Fit(rows);
        Assert.Equal(single, best.LowerBound, 10);
    }
}
