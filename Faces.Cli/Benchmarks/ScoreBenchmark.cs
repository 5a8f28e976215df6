using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Faces.MLNet.Networks;
using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Numpy;
using Faces.Pipelines.Training;
using Faces.Torch;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Faces.Torch.IO;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// Scoring speed through ML.NET against PyTorch and scikit-learn on the same weights and rows, in one run: CNN and
/// MLP through <c>Transform</c> (batched) and through ML.NET's per-row scorer (the path before batching), the MoG through
/// <c>Transform</c>, single-image latency through <c>PredictionEngine</c>, and <c>faces evaluate</c>'s work against scoring alone. Both sides run round by round
/// (interleaved) with one peer process kept alive; medians and min–max are printed, with the peer's BLAS and threads.
/// The same models exported to ONNX (<see cref="OnnxExport"/>) run in ONNX Runtime in this process, interleaved
/// the same way: the last cases compare Faces' own scorer with ONNX Runtime on those rows.
/// </summary>
internal static class ScoreBenchmark
{
    /// <summary>One line of the table: a name, its unit, and the medians' raw values of both sides, round by round.</summary>
    private sealed record Line(string Name, string Unit, bool HigherIsBetter)
    {
        public List<double> Faces { get; } = new();
        public List<double> Peer { get; } = new();
    }

    /// <summary>One measurement per round (<c>Round(keep)</c>: round 0 warms both sides up and is not kept) and the lines it fills.</summary>
    private sealed record Case(IReadOnlyList<Line> Lines, Action<bool> Round);

    /// <summary>Runs the benchmark; false when the peer is missing (after saying what to install).</summary>
    public static bool Run(TextWriter output, int rows = 4000, int rounds = 5, int latencyRows = 500, int threads = 0)
    {
        if (threads > 0) TorchEnvironment.SetThreads(threads);
        int torchThreads = TorchEnvironment.Threads;
        var ml = new MLContext(seed: 1);
        output.WriteLine($"faces benchmark score: training the three models on synthetic faces (not timed) …");
        var data = DataSources.Load(ml, DataSources.Synthetic, new SplitOptions { Seed = 1 },
            new SyntheticFaces.Options { TrainCount = 700, ValidationCount = 140, TestCount = rows });
        var trainer = new FacesModelTrainer(ml);
        var cnn = trainer.Train(data, new TrainSettings { Model = ModelKind.Cnn, Training = TrainingOptions.ForCnn with { Epochs = 2 } });
        var mlp = trainer.Train(data, new TrainSettings { Model = ModelKind.Mlp, Training = TrainingOptions.ForMlp with { Epochs = 30 } });
        var mog = trainer.Train(data, new TrainSettings { Model = ModelKind.Mog });
        var input = data.ToDataView(ml, data.Test);

        string folder = Directory.CreateTempSubdirectory("faces-score-bench-").FullName;
        try
        {
            Export(folder, data, cnn, mlp, mog);
            using var peer = PeerSession.Start(output, "score_peer.py", folder, new[] { folder, torchThreads.ToString(CultureInfo.InvariantCulture) },
                "PyTorch/scikit-learn", "python3-torch python3-sklearn; libopenblas0-pthread for a fair BLAS");
            if (peer == null) return false;

            var cnnNetwork = Network(cnn);
            var mlpNetwork = Network(mlp);
            var engine = ml.Model.CreatePredictionEngine<FeatureRow, ScoreRow>(cnn.Model,
                inputSchemaDefinition: FeatureRow.Definition(data.Test.Dimension));
            var mlpEngine = ml.Model.CreatePredictionEngine<FeatureRow, ScoreRow>(mlp.Model,
                inputSchemaDefinition: FeatureRow.Definition(data.Test.Dimension));
            var single = Enumerable.Range(0, Math.Min(latencyRows, rows)).Select(n => new FeatureRow { Features = data.Test.Row(n).ToArray() }).ToList();
            var onnx = new[] { cnn, mlp, mog }.Select(m => new OnnxRuntimeScorer(OnnxExport.Export(ml, m.Model, m.InputSchema), data.Test.Dimension, torchThreads)).ToArray();
            var (cnnOnnx, mlpOnnx, mogOnnx) = (onnx[0], onnx[1], onnx[2]);

            // Both sides compute the same probabilities (first 50 rows), or the timings compare different work.
            var agreement = new[] { ("cnn", cnn), ("mlp", mlp), ("mog", mog) }.Select(m =>
            {
                var ours = Scores(m.Item2.Model.Transform(input)).Take(50).ToArray();
                var theirs = peer.Ask($"probs {m.Item1} 50").GetProperty("probabilities").EnumerateArray()
                    .Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
                return (m.Item1, Max: ours.Zip(theirs).Max(p => p.First.Zip(p.Second).Max(v => Math.Abs(v.First - v.Second))));
            }).ToList();
            var onnxAgreement = new[] { ("cnn", cnn, cnnOnnx), ("mlp", mlp, mlpOnnx), ("mog", mog, mogOnnx) }.Select(m =>
            {
                var ours = Scores(m.Item2.Model.Transform(input)).Take(50).ToArray();
                return (m.Item1, Max: ours.Select((row, n) => row.Zip(m.Item3.ScoreOne(data.Test.Row(n).ToArray())).Max(v => (double)Math.Abs(v.First - v.Second))).Max());
            }).ToList();

            // The same rows in ML.NET's own cache (what AppendCacheCheckpoint keeps): no array to read in place, so each
            // row is copied out by the cache's getter and into the batch, as for any other IDataView.
            var cached = ml.Data.Cache(input);
            // .NET compiles in tiers with dynamic PGO: the first few dozen Transforms of a process run code that is not yet
            // optimised (measured 2–3x the steady per-row cost of the MLP). Each Faces case repeats until its code is
            // steady, so the rounds compare steady code on both sides, as a served model runs.
            WarmUp(() => ReadScores(cnn.Model.Transform(input)));
            WarmUp(() => ReadScores(cnnNetwork.RowByRow.Transform(input)));
            WarmUp(() => ReadScores(mlp.Model.Transform(input)));
            WarmUp(() => ReadScores(mlpNetwork.RowByRow.Transform(input)));
            WarmUp(() => ReadScores(mlp.Model.Transform(cached)));
            WarmUp(() => ReadScores(mog.Model.Transform(input)));
            WarmUp(() => { foreach (var row in single) engine.Predict(row); });
            WarmUp(() => { foreach (var row in single) mlpEngine.Predict(row); });
            WarmUp(() => ModelEvaluator.Evaluate(ml, cnn.Model, data, data.Test));
            foreach (var scorer in onnx) WarmUp(() => scorer.Score(data.Test.Features, rows, OnnxBatch));
            WarmUp(() => { foreach (var row in single) cnnOnnx.ScoreOne(row.Features); });
            WarmUp(() => { foreach (var row in single) mlpOnnx.ScoreOne(row.Features); });
            // Passes per timed region: the MLP scores 4,000 rows in ~10 ms, too short to time alone on a shared machine.
            Case Throughput(string name, Func<IDataView> faces, string peerCommand, int passes = 1) =>
                Timed(name, "rows/s", true, () => rows * passes / Seconds(() => { for (int p = 0; p < passes; p++) ReadScores(faces()); }),
                    () => rows * passes / peer.Ask($"{peerCommand} {passes}").GetProperty("seconds").GetDouble());
            Case Direct(string name, NetworkPredictionTransformer network, string peerCommand, int passes = 1) =>
                Timed(name, "rows/s", true, () => rows * passes / Seconds(() => ScoreDirectly(network, data.Test.Features, rows, passes, torchThreads)),
                    () => rows * passes / peer.Ask($"{peerCommand} {passes}").GetProperty("seconds").GetDouble());
            Case OnnxThroughput(string name, Func<IDataView> faces, OnnxRuntimeScorer scorer, int passes = 1) =>
                Timed(name, "rows/s", true, () => rows * passes / Seconds(() => { for (int p = 0; p < passes; p++) ReadScores(faces()); }),
                    () => rows * passes / Seconds(() => { for (int p = 0; p < passes; p++) scorer.Score(data.Test.Features, rows, OnnxBatch); }));
            Case Latency(string name, string peerName, PredictionEngine<FeatureRow, ScoreRow> ours, Func<IReadOnlyList<double>> theirs) =>
                Percentiles(name, peerName, () => single.Select(row => Seconds(() => ours.Predict(row)) * 1000).ToList(), theirs);
            // faces evaluate's work (one scoring pass, every metric) against scoring alone, both Faces: alternated
            // EvaluatePairs times per round and summed, as each pass takes only ~0.1 s. One settle before the pairs (for
            // the peer's threads), none between them: after a pause a 0.1 s pass ran 1.5x slower here, and pausing
            // before each would time the machine waking up rather than the work.
            var evaluate = new Line("CNN evaluate (all metrics) vs Faces Transform alone", "rows/s", true);
            var evaluateCase = new Case(new[] { evaluate }, keep =>
            {
                double evaluateSeconds = 0, transformSeconds = 0;
                Timing.Settle();
                for (int pair = 0; pair < EvaluatePairs; pair++)
                {
                    evaluateSeconds += Seconds(() => ModelEvaluator.Evaluate(ml, cnn.Model, data, data.Test));
                    transformSeconds += Seconds(() => ReadScores(cnn.Model.Transform(input)));
                }
                if (keep) { evaluate.Faces.Add(rows * EvaluatePairs / evaluateSeconds); evaluate.Peer.Add(rows * EvaluatePairs / transformSeconds); }
            });
            IReadOnlyList<double> PeerSingle(string model) =>
                peer.Ask($"single {model} {single.Count}").GetProperty("milliseconds").EnumerateArray().Select(v => v.GetDouble()).ToList();
            IReadOnlyList<double> OnnxSingle(OnnxRuntimeScorer scorer) => single.Select(row => Seconds(() => scorer.ScoreOne(row.Features)) * 1000).ToList();

            var cases = new[]
            {
                Throughput("CNN Transform (batched) vs PyTorch batches of 100", () => cnn.Model.Transform(input), "batch cnn 100"),
                Throughput("CNN per-row scorer (ML.NET mapper) vs PyTorch batches 100", () => cnnNetwork.RowByRow.Transform(input), "batch cnn 100"),
                Throughput("MLP Transform (batched) vs PyTorch batches of 100", () => mlp.Model.Transform(input), "batch mlp 100", MlpPasses),
                Throughput("MLP per-row scorer (ML.NET mapper) vs PyTorch batches 100", () => mlpNetwork.RowByRow.Transform(input), "batch mlp 100", 2),
                Throughput("MoG Transform vs scikit-learn score_samples", () => mog.Model.Transform(input), "mog"),
                Latency("CNN PredictionEngine", "PyTorch one image", engine, () => PeerSingle("cnn")),
                Latency("MLP PredictionEngine", "PyTorch one image", mlpEngine, () => PeerSingle("mlp")),
                evaluateCase,
                // The same batches straight through the network: what ML.NET's cursors add is the difference to Transform.
                Direct("CNN network alone (no ML.NET) vs PyTorch batches of 100", cnnNetwork, "batch cnn 100"),
                Direct("MLP network alone (no ML.NET) vs PyTorch batches of 100", mlpNetwork, "batch mlp 100", MlpPasses),
                Throughput("MLP Transform over ML.NET's cache vs PyTorch batches 100", () => mlp.Model.Transform(cached), "batch mlp 100", MlpPasses),
                // ONNX Runtime in this process on the same rows, right after Faces' own pass.
                OnnxThroughput("CNN Transform (batched) vs ONNX Runtime batches of 100", () => cnn.Model.Transform(input), cnnOnnx),
                OnnxThroughput("MLP Transform (batched) vs ONNX Runtime batches of 100", () => mlp.Model.Transform(input), mlpOnnx, MlpPasses),
                OnnxThroughput("MoG Transform vs ONNX Runtime batches of 100", () => mog.Model.Transform(input), mogOnnx),
                Latency("CNN PredictionEngine", "ONNX Runtime one row", engine, () => OnnxSingle(cnnOnnx)),
                Latency("MLP PredictionEngine", "ONNX Runtime one row", mlpEngine, () => OnnxSingle(mlpOnnx)),
            };
            for (int round = 0; round <= rounds; round++)
                foreach (var c in cases) c.Round(round > 0); // round 0 warms both sides up
            foreach (var scorer in onnx) scorer.Dispose();

            var config = peer.Configuration;
            output.WriteLine($"faces benchmark score: {rows} synthetic {data.Shape.Height}x{data.Shape.Width} rows, latency over {single.Count} single rows; " +
                             $"Faces' code warmed up first (each case {JitWarmUpRuns} runs or {JitWarmUpSeconds:F0} s: tiered JIT); {rounds} interleaved rounds after 1 warm-up round; median (min–max)");
            output.WriteLine($"Faces: TorchSharp {TorchEnvironment.TorchSharpVersion}, libtorch {TorchEnvironment.LibTorchVersion}, {torchThreads} libtorch thread(s), " +
                             $".NET {Environment.Version}, {Environment.ProcessorCount} cores; rows per forward pass: CNN {cnnNetwork.BatchSize} (libtorch), " +
                             $"MLP {mlpNetwork.BatchSize} ({(MlpScorer.IsSupported ? "Faces' C# SIMD loops, rows read in place" : "libtorch: no 256-bit SIMD with FMA here")})");
            output.WriteLine($"Peer: PyTorch {config.GetProperty("torch")} ({config.GetProperty("torch_threads")} thread(s)), numpy {config.GetProperty("numpy")}, " +
                             $"scikit-learn {config.GetProperty("sklearn")}; BLAS: " + string.Join("; ", config.GetProperty("blas").EnumerateArray()
                                 .Select(b => $"{b.GetProperty("internal_api")} {b.GetProperty("version")} ({b.GetProperty("num_threads")} thread(s), {b.GetProperty("filepath")})")));
            output.WriteLine($"Timed: Faces Transform = model.Transform over the rows in memory (Faces' split view: the MLP reads them in place; " +
                             "or ML.NET's cache, where getters copy each row) + reading every row's Score through a cursor " +
                             $"(MLP: {MlpPasses} passes per timed region on both sides, 2 for its per-row scorer); " +
                             "PyTorch = forward + softmax over every row in batches of 100 under no_grad; scikit-learn = score_samples of each class's " +
                             "GaussianMixture + log prior, normalised, all rows at once (float64); latency = one image per call " +
                             "(PredictionEngine.Predict; PyTorch forward of one [1, D] tensor + softmax + numpy); evaluate = ModelEvaluator.Evaluate " +
                             "(what faces evaluate runs per split: one scoring pass, ML.NET's metrics, confusion matrix), its peer column Faces' Transform alone. " +
                             "Training, export and process start are not timed.");
            output.WriteLine($"ONNX Runtime {OrtVersion()}: the models exported by faces export's code (opset {OnnxExport.OpSet}), all graph optimisations, " +
                             $"{torchThreads} intra-op thread(s), batches of {OnnxBatch} from the same float array (no ML.NET), one row per call for latency.");
            output.WriteLine("Same weights on both sides: max |p(Faces) − p(peer)| over 50 rows: " +
                             string.Join(", ", agreement.Select(a => $"{a.Item1} {a.Max.ToString("E1", CultureInfo.InvariantCulture)}")) +
                             "; against ONNX Runtime: " + string.Join(", ", onnxAgreement.Select(a => $"{a.Item1} {a.Max.ToString("E1", CultureInfo.InvariantCulture)}")));
            output.WriteLine();
            output.WriteLine($"{"case",-56} {"unit",6} {"Faces",26} {"peer",26} {"ratio",7}");
            foreach (var c in cases.SelectMany(c => c.Lines))
            {
                double ours = Timing.Median(c.Faces), theirs = Timing.Median(c.Peer);
                string ratio = (ours / theirs).ToString("F2", CultureInfo.InvariantCulture) + "x";
                output.WriteLine($"{c.Name,-56} {c.Unit,6} {Spread(c.Faces),26} {Spread(c.Peer),26} {ratio,7}");
            }
            output.WriteLine("ratio = Faces ÷ peer: for rows/s above 1 means Faces is faster; for ms below 1 means Faces is faster.");
            return true;
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>A case timing Faces (<paramref name="ours"/>) then the peer (<paramref name="theirs"/>), each after the machine settles.</summary>
    private static Case Timed(string name, string unit, bool higherIsBetter, Func<double> ours, Func<double> theirs)
    {
        var line = new Line(name, unit, higherIsBetter);
        return new Case(new[] { line }, keep =>
        {
            Timing.Settle();
            double faces = ours();
            Timing.Settle();
            double peer = theirs();
            if (keep) { line.Faces.Add(faces); line.Peer.Add(peer); }
        });
    }

    /// <summary>A latency case: one call per row on each side, the p50 and p99 as two lines.</summary>
    private static Case Percentiles(string name, string peerName, Func<IReadOnlyList<double>> ours, Func<IReadOnlyList<double>> theirs)
    {
        var p50 = new Line($"{name} p50 vs {peerName}", "ms", false);
        var p99 = new Line($"{name} p99 vs {peerName}", "ms", false);
        return new Case(new[] { p50, p99 }, keep =>
        {
            Timing.Settle();
            var mine = ours();
            Timing.Settle();
            var peer = theirs();
            if (!keep) return;
            p50.Faces.Add(Timing.Percentile(mine, 0.5)); p50.Peer.Add(Timing.Percentile(peer, 0.5));
            p99.Faces.Add(Timing.Percentile(mine, 0.99)); p99.Peer.Add(Timing.Percentile(peer, 0.99));
        });
    }

    /// <summary>What Transform runs, without ML.NET: the MLP's C# loops over the rows in place, the CNN's libtorch batches.</summary>
    private static void ScoreDirectly(NetworkPredictionTransformer network, float[] features, int rows, int passes, int threads)
    {
        var scorer = MlpScorer.TryCreate(network.Model.Network);
        var probabilities = new float[network.BatchSize * network.Model.Architecture.Classes];
        int size = network.BatchSize, width = (int)network.Model.Architecture.InputSize;
        using var batch = scorer == null ? network.Model.Network.NewBatch(size) : null;
        for (int pass = 0; pass < passes; pass++)
        for (int start = 0; start < rows; start += size)
        {
            int count = Math.Min(size, rows - start);
            if (scorer != null)
            {
                scorer.Probabilities(features.AsMemory(start * width, count * width), count, probabilities, threads);
                continue;
            }
            features.AsSpan(start * width, count * width).CopyTo(FacesNetwork.Rows(batch!));
            using var part = batch!.narrow(0, 0, count);
            network.Model.Network.PredictProbabilities(part);
        }
    }

    private static NetworkPredictionTransformer Network(TrainedModel model) =>
        ((IEnumerable<ITransformer>)model.Model).OfType<NetworkPredictionTransformer>().Single();

    /// <summary>Runs <paramref name="work"/> 40 times or for 3 s, whichever comes first (not timed).</summary>
    private static void WarmUp(Action work)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < JitWarmUpRuns && clock.Elapsed.TotalSeconds < JitWarmUpSeconds; i++) work();
    }

    private const int JitWarmUpRuns = 40;
    private const int OnnxBatch = 100;

    private static string OrtVersion() =>
        typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "?";
    private const int MlpPasses = 10;
    private const int EvaluatePairs = 3;
    private const double JitWarmUpSeconds = 3;

    /// <summary>Reads every row's Score through one cursor into one reused buffer (what is timed): the rows read.</summary>
    private static int ReadScores(IDataView scored)
    {
        using var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"] });
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        VBuffer<float> score = default;
        int count = 0;
        while (cursor.MoveNext())
        {
            getter(ref score);
            count++;
        }
        return count;
    }

    /// <summary>Every row's Score, read through one cursor.</summary>
    private static IEnumerable<float[]> Scores(IDataView scored)
    {
        using var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"] });
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        VBuffer<float> score = default;
        while (cursor.MoveNext())
        {
            getter(ref score);
            yield return score.DenseValues().ToArray();
        }
    }

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    private static string Spread(List<double> values) => Timing.Spread(values, F);

    private static string F(double v) => v >= 100 ? v.ToString("F0", CultureInfo.InvariantCulture) : v.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>The rows and every model's parameters as .npy files, and what the peer needs to rebuild the models.</summary>
    private static void Export(string folder, FaceDataset data, TrainedModel cnn, TrainedModel mlp, TrainedModel mog)
    {
        NpyWriter.WriteFloat32(Path.Combine(folder, "features.npy"), new long[] { data.Test.Count, data.Test.Dimension }, data.Test.Features);
        var names = new Dictionary<string, object>();
        foreach (var (name, model) in new[] { ("cnn", cnn), ("mlp", mlp) })
        {
            var parameters = model.Network!.Module.named_parameters().ToList();
            foreach (var (parameterName, parameter) in parameters)
            {
                using var values = parameter.detach().cpu().contiguous();
                NpyWriter.WriteFloat32(Path.Combine(folder, $"{name}.{parameterName}.npy"), values.shape, values.data<float>().ToArray());
            }
            names[name] = new { parameters = parameters.Select(p => p.name).ToArray() };
        }
        var mixtures = mog.Mixtures!;
        for (int c = 0; c < mixtures.Mixtures.Count; c++)
        {
            var mixture = mixtures.Mixtures[c] ?? throw new InvalidOperationException($"Class {c} has no mixture.");
            NpyWriter.WriteFloat64(Path.Combine(folder, $"mog.{c}.weights.npy"), new long[] { mixture.Components }, mixture.Weights);
            NpyWriter.WriteFloat64(Path.Combine(folder, $"mog.{c}.means.npy"), new long[] { mixture.Components, mixture.Dimension }, mixture.Means.SelectMany(r => r).ToArray());
            NpyWriter.WriteFloat64(Path.Combine(folder, $"mog.{c}.variances.npy"), new long[] { mixture.Components, mixture.Dimension }, mixture.Variances.SelectMany(r => r).ToArray());
        }
        var architecture = (CnnArchitecture)cnn.Network!.Architecture;
        names["side"] = architecture.Height;
        names["pool1"] = architecture.Pool1;
        names["pool2"] = architecture.Pool2;
        names["mog"] = new { classes = mixtures.Mixtures.Count, components = mixtures.Mixtures[0]!.Components, priors = mixtures.ClassPriors };
        AtomicFile.Write(Path.Combine(folder, "meta.json"), (Stream file) => JsonSerializer.Serialize(file, names));
    }
}
