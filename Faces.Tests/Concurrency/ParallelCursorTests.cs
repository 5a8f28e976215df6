using Faces.Torch.Training;
using Faces.Torch.Models;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Concurrency;

/// <summary>
/// ML.NET reads a transformed view through several cursors on several threads at once (GetRowCursorSet, and the
/// splitter its evaluators use). Every Faces transformer must give, row for row, what one sequential cursor gives.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class ParallelCursorTests
{
    private const int Size = 28;
    private const int Rows = 3000;
    private static readonly string[] Names = { "anger", "happy", "sad" };

    private sealed class Example
    {
        public string Label { get; set; } = "";
        [VectorType(Size * Size)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>Each class brightens its own band of rows; noise everywhere.</summary>
    private static List<Example> Examples(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(n =>
        {
            int label = n % Names.Length;
            var pixels = new float[Size * Size];
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = (float)(random.NextDouble() * 0.4 + (i / Size / 3 == label ? 0.5 : 0));
            return new Example { Label = Names[label], Features = pixels };
        }).ToList();
    }

    public static TheoryData<string> Models => new() { "mog", "mog-full", "mlp", "cnn", "mixture" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Parallel_cursors_give_the_sequential_scores_row_for_row(string kind)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Examples(300, 1));
        var data = ml.Data.LoadFromEnumerable(Examples(Rows, 2));
        var (model, column) = Fit(ml, kind, train);
        var scored = model.Transform(data);

        var sequential = ReadSequential(scored, column);
        Assert.Equal(Rows, sequential.Count);
        // Several rounds: a race shows up in some rounds and not others.
        bool network = kind is "mlp" or "cnn";
        // The networks' batched Transform hands out one cursor (libtorch uses every core for a batch); their per-row
        // scorer (what PredictionEngine uses) is still read through ML.NET's partitioned cursors, and several batched
        // cursors run at once from separate threads.
        var views = network
            ? new[] { (View: scored, Partitioned: false), (View: ((IEnumerable<ITransformer>)model).OfType<NetworkPredictionTransformer>().Single().RowByRow.Transform(
                ((IEnumerable<ITransformer>)model).First().Transform(data)), Partitioned: true) }
            : new[] { (View: scored, Partitioned: true) };
        if (network) Assert.Single(scored.GetRowCursorSet(new[] { scored.Schema[column] }, 4));
        foreach (var (view, partitioned) in views)
        {
            // Each view against its own sequential read, bit for bit; a batch of 256 and a batch of one may differ in
            // the last bits (another matrix-product blocking), so the two networks' paths are compared to 1e-6 below.
            var own = view == scored ? sequential : ReadSequential(view, column);
            for (int round = 0; round < 3; round++)
            foreach (var parallel in ReadParallel(view, column, cursors: 4, partitioned))
            {
                Assert.Equal(Rows, parallel.Count);
                foreach (var (id, values) in parallel)
                    Assert.True(values.SequenceEqual(own[id]), $"{kind}: row {id} differs between a parallel and the sequential cursor");
            }
            foreach (var (id, values) in own)
                for (int c = 0; c < values.Length; c++)
                    Assert.Equal(sequential[id][c], values[c], 1e-6f);
        }

        if (kind == "mixture") return;
        // ML.NET's evaluator reads through its own parallel cursors: its metrics must be those of the sequential scores.
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        var labels = data.GetColumn<string>("Label").Select(l => Array.IndexOf(Names, l)).ToArray();
        var ordered = Enumerable.Range(0, Rows).Select(n => sequential[(ulong)n]).ToArray();
        double accuracy = ordered.Where((s, n) => Array.IndexOf(s, s.Max()) == labels[n]).Count() / (double)Rows;
        double logLoss = ordered.Select((s, n) => -Math.Log(Math.Max(s[labels[n]], 1e-15))).Average();
        Assert.Equal(accuracy, metrics.MicroAccuracy, 12);
        Assert.Equal(logLoss, metrics.LogLoss, 5);
    }

    private static (ITransformer Model, string Column) Fit(MLContext ml, string kind, IDataView train)
    {
        var key = ml.Transforms.Conversion.MapValueToKey("Label");
        IEstimator<ITransformer> pipeline = kind switch
        {
            "mog" => key.Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options { Mixture = new() { Components = 2, MaxIterations = 5 } })),
            "mog-full" => key.Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options
                { Mixture = new() { Components = 2, MaxIterations = 3, CovarianceType = CovarianceType.Full, RegCovar = 1e-3 } })),
            "mlp" => key.Append(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { Epochs = 3, BatchSize = 20 } })),
            "cnn" => key.Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
            {
                Architecture = new CnnArchitecture { Height = Size, Width = Size, Channels = 1, Filters1 = 3, Filters2 = 4, Pool1 = 2, Pool2 = 2 },
                Training = TrainingOptions.ForCnn with { Epochs = 2, BatchSize = 20 },
            })),
            _ => ml.Transforms.GaussianMixture("Features", components: 3),
        };
        return (pipeline.Fit(train), kind == "mixture" ? "Responsibilities" : "Score");
    }

    private static Dictionary<ulong, float[]> ReadSequential(IDataView view, string column)
    {
        var result = new Dictionary<ulong, float[]>();
        using var cursor = view.GetRowCursor(new[] { view.Schema[column] });
        Collect(cursor, column, result);
        return result;
    }

    /// <summary>
    /// Reads through <paramref name="cursors"/> cursors on as many threads: ML.NET's partitioned cursor set (one
    /// dictionary of all rows), or independent cursors each reading every row (one dictionary each).
    /// </summary>
    private static IEnumerable<Dictionary<ulong, float[]>> ReadParallel(IDataView view, string column, int cursors, bool partitioned)
    {
        var columns = new[] { view.Schema[column] };
        var set = partitioned ? view.GetRowCursorSet(columns, cursors) : Enumerable.Range(0, cursors).Select(_ => view.GetRowCursor(columns)).ToArray();
        Assert.True(set.Length > 1, "ML.NET gave one cursor: the test would not run anything in parallel");
        var parts = set.Select(_ => new Dictionary<ulong, float[]>()).ToArray();
        // Collections while the cursors run: a native object freed by a finalizer while still in use shows up here.
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            Parallel.For(0, set.Length, new ParallelOptions { MaxDegreeOfParallelism = set.Length }, i =>
            {
                using var cursor = set[i];
                Collect(cursor, column, parts[i]);
            });
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
        return partitioned ? new[] { parts.SelectMany(p => p).ToDictionary(p => p.Key, p => p.Value) } : parts;
    }

    private static void Collect(DataViewRowCursor cursor, string column, Dictionary<ulong, float[]> into)
    {
        var getValues = cursor.GetGetter<VBuffer<float>>(cursor.Schema[column]);
        var getId = cursor.GetIdGetter();
        VBuffer<float> values = default;
        DataViewRowId id = default;
        while (cursor.MoveNext())
        {
            getValues(ref values);
            getId(ref id);
            into.Add(id.Low, values.DenseValues().ToArray());
        }
    }
}
