using System.Diagnostics;
using System.Globalization;
using Faces.MLNet.Mixtures;

namespace Faces.Pipelines.Benchmarks;

/// <summary>
/// MoG-per-class fit (diagonal, K = 7, 10 EM iterations, two classes of 500 rows × 2304) against scikit-learn's
/// GaussianMixture on the same data in the same run (Debian's /usr/bin/python3 with python3-sklearn).
/// Both start from an M-step on k-means clusters (scikit-learn init_params="kmeans"; Faces k-means++ seeding + up to 100 Lloyd iterations); prints time ratio and both final log-likelihoods per row.
/// </summary>
public static class MixtureBenchmark
{
    /// <summary>Runs the benchmark; returns false when the peer is missing (and says how to install it).</summary>
    public static bool Run(TextWriter output, int rowsPerClass = 500, int dimension = 2304, int components = MixtureDefaults.Components, int iterations = MixtureDefaults.MaxIterations, int rounds = 3)
    {
        var random = new Random(1);
        var classes = Enumerable.Range(0, 2).Select(c => Enumerable.Range(0, rowsPerClass).Select(_ =>
        {
            int blob = random.Next(components);
            return Enumerable.Range(0, dimension).Select(d => (float)(0.5 + 0.2 * Math.Sin(0.01 * d * (blob + 1) + c) + 0.1 * (random.NextDouble() - 0.5))).ToArray();
        }).ToArray()).ToArray();

        string folder = Directory.CreateTempSubdirectory("faces-mog-bench-").FullName;
        try
        {
            for (int c = 0; c < 2; c++)
                File.WriteAllBytes(Path.Combine(folder, $"class{c}.f32"), classes[c].SelectMany(r => r).SelectMany(BitConverter.GetBytes).ToArray());

            var options = new GaussianMixtureOptions
            {
                Components = components, MaxIterations = iterations, Initialization = MixtureInitialization.KMeans, KMeansIterations = 100, InitializeFromClusters = true,
                VarianceFloor = 0, RegCovar = 1e-6,
            };
            var ours = new List<double>();
            double oursLogLikelihood = 0;
            for (int round = 0; round <= rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                double ll = 0;
                foreach (var rows in classes)
                {
                    using var mixture = new GaussianMixtureFitter(options).Fit(rows);
                    ll += mixture.LowerBound / 2;
                }
                if (round > 0) ours.Add(clock.Elapsed.TotalSeconds); // round 0 warms up
                oursLogLikelihood = ll;
            }

            string? stdout = PythonPeer.Run(output, "mog_peer.py", folder,
                new object[] { folder, rowsPerClass, dimension, components, iterations, rounds }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!),
                "scikit-learn", "python3-sklearn");
            if (stdout == null)
            {
                output.WriteLine($"Faces: {Timing.Median(ours):F3} s per fit");
                return false;
            }
            var peer = stdout.Trim().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            double oursSeconds = Timing.Median(ours), peerSeconds = peer[0];
            output.WriteLine($"MoG per class, diagonal, K={components}, {iterations} EM iterations, 2 classes x {rowsPerClass} rows x {dimension}, k-means init (clusters -> first M-step)");
            output.WriteLine($"{"",-14} {"seconds",9} {"log-lik/row",14}");
            output.WriteLine($"{"Faces",-14} {oursSeconds,9:F3} {oursLogLikelihood,14:F2}");
            output.WriteLine($"{"scikit-learn",-14} {peerSeconds,9:F3} {peer[1],14:F2}");
            output.WriteLine($"time ratio Faces / scikit-learn: {oursSeconds / peerSeconds:F2}x (medians of {rounds} runs each)");
            return true;
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
