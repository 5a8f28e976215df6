using System.Diagnostics;
using System.Globalization;
using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data.Numpy;
using static TorchSharp.torch;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// MoG-per-class fit (diagonal, K = 7, two classes of 500 rows × 2304) against scikit-learn's GaussianMixture on the
/// same rows, round by round with one live peer: EM from the same initial parameters on both sides (Faces' k-means
/// means, equal weights, the data's variances), its iterations timed and the final log-likelihoods printed side by
/// side; the k-means initialisations timed on their own.
/// </summary>
internal static class MixtureBenchmark
{
    /// <summary>Runs the benchmark; returns false when the peer is missing (and says how to install it).</summary>
    public static bool Run(TextWriter output, int rowsPerClass = 500, int dimension = 2304, int components = MixtureDefaults.Components,
        int iterations = MixtureDefaults.MaxIterations, int rounds = 5)
    {
        Faces.Torch.Native.TorchRuntime.EnsureInitialized();
        var random = new Random(1);
        var classes = Enumerable.Range(0, 2).Select(c => Enumerable.Range(0, rowsPerClass).Select(_ =>
        {
            int blob = random.Next(components);
            return Enumerable.Range(0, dimension).Select(d => (float)(0.5 + 0.2 * Math.Sin(0.01 * d * (blob + 1) + c) + 0.1 * (random.NextDouble() - 0.5))).ToArray();
        }).ToArray()).ToArray();

        string folder = Directory.CreateTempSubdirectory("faces-mog-bench-").FullName;
        try
        {
            var tensors = classes.Select(rows => tensor(rows.SelectMany(r => r).Select(v => (double)v).ToArray(), new long[] { rowsPerClass, dimension })).ToArray();
            // The shared starting point: k-means means (Faces'), equal weights, the data's own variances.
            var given = tensors.Select((x, c) =>
            {
                using var generator = new Generator(1);
                using var centres = KMeans.Centres(x, components, 100, generator);
                using var variance = x.var(0, unbiased: false);
                var means = centres.data<double>().ToArray();
                var variances = Enumerable.Repeat(variance.data<double>().ToArray(), components).SelectMany(v => v).ToArray();
                var weights = Enumerable.Repeat(1.0 / components, components).ToArray();
                File.WriteAllBytes(Path.Combine(folder, $"class{c}.f32"), classes[c].SelectMany(r => r).SelectMany(BitConverter.GetBytes).ToArray());
                NpyWriter.WriteFloat64(Path.Combine(folder, $"init{c}.weights.npy"), new long[] { components }, weights);
                NpyWriter.WriteFloat64(Path.Combine(folder, $"init{c}.means.npy"), new long[] { components, dimension }, means);
                NpyWriter.WriteFloat64(Path.Combine(folder, $"init{c}.variances.npy"), new long[] { components, dimension }, variances);
                return new GaussianMixtureOptions
                {
                    Components = components, MaxIterations = iterations, Tolerance = 0, VarianceFloor = 0, RegCovar = 1e-6,
                    Initialization = MixtureInitialization.Given, InitialWeights = weights,
                    InitialMeans = means.Chunk(dimension).ToArray(), InitialVariances = variances.Chunk(dimension).ToArray(),
                };
            }).ToArray();

            using var peer = PeerSession.Start(output, "mog_peer.py", folder,
                new object[] { folder, rowsPerClass, dimension, components }.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)!),
                "scikit-learn", "python3-sklearn; libopenblas0-pthread for a fair BLAS");
            if (peer == null) return false;

            var fit = (Faces: new List<double>(), Peer: new List<double>());
            var init = (Faces: new List<double>(), Peer: new List<double>());
            double oursLogLikelihood = 0, peerLogLikelihood = 0;
            for (int round = 0; round <= rounds; round++)
            {
                Timing.Settle();
                var clock = Stopwatch.StartNew();
                double ll = 0;
                for (int c = 0; c < 2; c++)
                {
                    using var mixture = new GaussianMixtureFitter(given[c]).Fit(tensors[c]);
                    ll += mixture.LowerBound / 2;
                }
                double ours = clock.Elapsed.TotalSeconds;
                Timing.Settle();
                var answer = peer.Ask($"em {iterations}");
                Timing.Settle();
                clock.Restart();
                foreach (var x in tensors)
                {
                    using var generator = new Generator((ulong)round + 1);
                    KMeans.Centres(x, components, 100, generator).Dispose();
                }
                double oursInit = clock.Elapsed.TotalSeconds;
                Timing.Settle();
                double peerInit = peer.Ask($"init {round}").GetProperty("seconds").GetDouble();
                if (round == 0) continue; // warm-up
                fit.Faces.Add(ours);
                fit.Peer.Add(answer.GetProperty("seconds").GetDouble());
                init.Faces.Add(oursInit);
                init.Peer.Add(peerInit);
                oursLogLikelihood = ll;
                peerLogLikelihood = answer.GetProperty("loglik").GetDouble();
            }
            foreach (var t in tensors) t.Dispose();

            var config = peer.Configuration;
            output.WriteLine($"MoG per class, diagonal, K={components}, 2 classes x {rowsPerClass} rows x {dimension}, {iterations} EM iterations from the same " +
                             $"initial parameters; {rounds} interleaved rounds after 1 warm-up; median (min–max) seconds");
            output.WriteLine($"Peer: scikit-learn {config.GetProperty("sklearn")}, numpy {config.GetProperty("numpy")}; BLAS: " + string.Join("; ", config.GetProperty("blas")
                .EnumerateArray().Select(b => $"{b.GetProperty("internal_api")} {b.GetProperty("version")} ({b.GetProperty("num_threads")} thread(s), {b.GetProperty("filepath")})")));
            output.WriteLine($"Faces: libtorch {Faces.Torch.TorchEnvironment.LibTorchVersion}, {Faces.Torch.TorchEnvironment.Threads} thread(s)");
            output.WriteLine("Timed: EM = Faces' GaussianMixtureFitter.Fit with the given start (E-steps, M-steps, its input checks) vs scikit-learn's own " +
                             "_e_step + _m_step for the same iterations; init = Faces' k-means (k-means++ seeding, 100 Lloyd iterations) vs scikit-learn's " +
                             "KMeans(n_init=1) as its GaussianMixture initialises (different algorithms: timed apart, not compared as equals).");
            output.WriteLine($"{"",-6} {"Faces",24} {"scikit-learn",24} {"ratio",7}");
            output.WriteLine($"{"EM",-6} {Spread(fit.Faces),24} {Spread(fit.Peer),24} {Timing.Median(fit.Faces) / Timing.Median(fit.Peer),6:F2}x");
            output.WriteLine($"{"init",-6} {Spread(init.Faces),24} {Spread(init.Peer),24} {Timing.Median(init.Faces) / Timing.Median(init.Peer),6:F2}x");
            output.WriteLine($"final log-likelihood per row: Faces {oursLogLikelihood:F4}, scikit-learn {peerLogLikelihood:F4} (difference {Math.Abs(oursLogLikelihood - peerLogLikelihood):E1})");
            output.WriteLine("ratio = Faces ÷ scikit-learn seconds: below 1 means Faces is faster.");
            return true;
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private static string Spread(List<double> values) => Timing.Spread(values, v => v.ToString("F3", CultureInfo.InvariantCulture));
}
