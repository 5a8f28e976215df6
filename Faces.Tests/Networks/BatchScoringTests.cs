using Faces.MLNet;
using Faces.MLNet.Networks;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Networks;

/// <summary>The networks' batched Transform: every row keeps its own columns and gets its own score, whatever the batch boundaries.</summary>
public sealed class BatchScoringTests
{
    private const int Width = 36;

    private sealed class Row
    {
        public string Label { get; set; } = "";
        public int Id { get; set; }
        [VectorType(Width)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private static List<Row> Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(n =>
        {
            int label = n * 7 % 3;
            var features = Enumerable.Range(0, Width).Select(d => (float)random.NextDouble() + (d % 3 == label ? 1f : 0f)).ToArray();
            return new Row { Label = $"c{label}", Id = n, Features = features };
        }).ToList();
    }

    private static (MLContext Ml, TransformerChain<NetworkPredictionTransformer> Model, NetworkPredictionTransformer Network) Train()
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options
            {
                Architecture = new MlpArchitecture { Inputs = Width, Hidden = new[] { 8 } },
                Training = TrainingOptions.ForMlp with { Epochs = 5, BatchSize = 10, LearningRate = 0.1 },
            }))
            .Fit(ml.Data.LoadFromEnumerable(Rows(120, 1)));
        return (ml, model, model.LastTransformer);
    }

    [Fact]
    public void Batches_that_do_not_divide_the_rows_keep_every_row_with_its_own_score_and_columns()
    {
        var (ml, model, network) = Train();
        Assert.Equal(NetworkPredictionTransformer.DefaultMlpBatchSize, network.BatchSize);
        // 2.5 batches: the last one is partial; rows are told apart by their Id column.
        int count = NetworkPredictionTransformer.DefaultMlpBatchSize * 5 / 2;
        var rows = Rows(count, 2);
        var keyed = ((IEnumerable<ITransformer>)model).First().Transform(ml.Data.LoadFromEnumerable(rows));
        var batched = network.Transform(keyed);
        var single = network.RowByRow.Transform(keyed);

        var ids = batched.GetColumn<int>("Id").ToArray();
        var labels = batched.GetColumn<uint>("Label").ToArray();
        var scores = batched.GetColumn<float[]>("Score").ToArray();
        var predicted = batched.GetColumn<uint>("PredictedLabel").ToArray();
        var singleScores = single.GetColumn<float[]>("Score").ToArray();
        var singlePredicted = single.GetColumn<uint>("PredictedLabel").ToArray();
        var expectedLabels = keyed.GetColumn<uint>("Label").ToArray();

        Assert.Equal(Enumerable.Range(0, count), ids);
        Assert.Equal(expectedLabels, labels);
        for (int n = 0; n < count; n++)
        {
            // The MLP's C# loops give a row the same bits in a batch as alone; libtorch (no SIMD here) only to rounding.
            if (MlpScorer.IsSupported) Assert.Equal(singleScores[n], scores[n]);
            else for (int c = 0; c < 3; c++) Assert.Equal(singleScores[n][c], scores[n][c], 1e-6f);
            Assert.Equal(singlePredicted[n], predicted[n]);
            Assert.Equal(Array.IndexOf(scores[n], scores[n].Max()) + 1, (int)predicted[n]);
        }
        // The scores are not all alike (a cursor serving one batch's first row for every row would pass the rest).
        Assert.True(scores.Select(s => s[0]).Distinct().Count() > count / 2);

        // Only pass-through columns asked for: no scoring at all, the rows as they were.
        Assert.Equal(Enumerable.Range(0, count), batched.GetColumn<int>("Id"));
        Assert.Equal(count, batched.GetRowCount());
    }

    [Fact]
    public void A_row_that_is_not_finite_is_named_and_the_model_saves_and_loads_batched()
    {
        var (ml, model, network) = Train();
        var rows = Rows(300, 3);
        rows[270].Features[5] = float.NaN;
        var scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var error = Assert.ThrowsAny<Exception>(() => scored.GetColumn<float[]>("Score").ToArray());
        Assert.Contains("Row 270: Features[5] is NaN", error.Message);

        string path = Path.Combine(Directory.CreateTempSubdirectory("faces-batch-").FullName, "mlp.zip");
        try
        {
            ml.Model.Save(model, ml.Data.LoadFromEnumerable(rows).Schema, path);
            var loaded = (TransformerChain<ITransformer>)ml.Model.Load(path, out _);
            var reloaded = Assert.IsType<NetworkPredictionTransformer>(loaded.Last());
            Assert.Equal(network.BatchSize, reloaded.BatchSize);
            var clean = ml.Data.LoadFromEnumerable(Rows(300, 4));
            // Deterministic: the same model on the same rows twice gives the same bits (a batch copied into aligned memory).
            Assert.Equal(model.Transform(clean).GetColumn<float[]>("Score"), model.Transform(clean).GetColumn<float[]>("Score"));
            Assert.Equal(loaded.Transform(clean).GetColumn<float[]>("Score"), loaded.Transform(clean).GetColumn<float[]>("Score"));
            Assert.Equal(model.Transform(clean).GetColumn<float[]>("Score"), loaded.Transform(clean).GetColumn<float[]>("Score"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, true);
        }
    }

    [Fact]
    public void A_bad_row_read_ahead_fails_only_when_the_cursor_reaches_its_batch()
    {
        // The cursor reads a whole batch ahead of the rows it serves: a bad row in batch 2 must not cost the rows of
        // batches 0 and 1, which were fine: they are all served, and the error names the row when batch 2 is reached.
        var (ml, model, network) = Train();
        int size = network.BatchSize;
        var rows = Rows(size * 2 + 40, 5);
        rows[size * 2 + 6].Features[3] = float.PositiveInfinity;
        var scored = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var (served, error) = ServedUntilError(scored);
        Assert.Equal(size * 2, served);
        Assert.Contains($"Row {size * 2 + 6}: Features[3] is", error.Message);
    }

    [SimdFact]
    public void Features_kept_row_after_row_are_scored_in_place_with_the_same_bits_and_errors_as_through_a_cursor()
    {
        var (ml, _, network) = Train();
        int size = network.BatchSize, count = size * 2 + 40;
        var rows = Rows(count, 6);
        var inner = ml.Data.LoadFromEnumerable(rows);
        var view = new RowMajorView(inner, rows.SelectMany(r => r.Features).ToArray());

        var throughCursor = network.Transform(inner).GetColumn<float[]>("Score").ToArray();
        var scored = network.Transform(view);
        Assert.Equal(throughCursor, scored.GetColumn<float[]>("Score").ToArray());
        Assert.Equal(Enumerable.Range(0, count), scored.GetColumn<int>("Id"));
        Assert.Equal(0, view.FeatureCursors); // read in place: no cursor over Features was opened

        // A bad value is named by its row in the whole input, not in its batch, when the cursor reaches that batch.
        view.Features[(size + 6) * Width + 3] = float.NaN;
        var (served, error) = ServedUntilError(scored);
        Assert.Equal(size, served);
        Assert.Contains($"Row {size + 6}: Features[3] is NaN", error.Message);

        // An array with fewer or more rows than the view is an error, not scores of the wrong rows; so is one that runs
        // out before the cursor does, where the view does not know its row count.
        foreach (int arrayRows in new[] { count - 1, count + 1 })
        {
            var wrong = new RowMajorView(inner, Rows(arrayRows, 6).SelectMany(r => r.Features).ToArray());
            var mismatch = Assert.ThrowsAny<Exception>(() => network.Transform(wrong).GetColumn<float[]>("Score").ToArray());
            Assert.Contains($"holds {arrayRows} rows and the view {count}: different numbers of rows", mismatch.Message);
        }
        var unknownCount = new RowMajorView(inner, rows.Take(count - 1).SelectMany(r => r.Features).ToArray(), knowsRowCount: false);
        var ranOut = Assert.ThrowsAny<Exception>(() => network.Transform(unknownCount).GetColumn<float[]>("Score").ToArray());
        Assert.Contains("different numbers of rows", ranOut.Message);
    }

    [Fact]
    public void Rows_a_getter_gives_sparse_or_in_a_buffer_of_its_own_score_as_the_dense_rows_do()
    {
        // The look-ahead cursor hands each row's own array to the getter to fill; a source that answers with a sparse
        // vector or another buffer must still be scored on its values, not on what the array held before.
        var (ml, _, network) = Train();
        int count = network.BatchSize * 2 + 9;
        var rows = Rows(count, 8);
        foreach (var row in rows.Where(r => r.Id % 3 == 0)) Array.Clear(row.Features, 0, Width / 2); // half zeros: sparse
        var inner = ml.Data.LoadFromEnumerable(rows);
        var expected = network.Transform(inner).GetColumn<float[]>("Score").ToArray();
        var awkward = new AwkwardFeaturesView(inner);
        Assert.Equal(expected, network.Transform(awkward).GetColumn<float[]>("Score").ToArray());
        Assert.True(awkward.Sparse > count / 4 && awkward.OwnBuffer > count / 4, $"{awkward.Sparse} sparse, {awkward.OwnBuffer} own buffers");
    }

    /// <summary>Features as a getter may give them: rows with zeros as sparse vectors, the others in the view's own buffer.</summary>
    private sealed class AwkwardFeaturesView(IDataView inner) : IDataView
    {
        public int Sparse, OwnBuffer;
        public DataViewSchema Schema => inner.Schema;
        public bool CanShuffle => false;
        public long? GetRowCount() => inner.GetRowCount();
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => new[] { GetRowCursor(columnsNeeded) };
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this, inner.GetRowCursor(columnsNeeded));

        private sealed class Cursor(AwkwardFeaturesView parent, DataViewRowCursor inner) : DataViewRowCursor
        {
            private VBuffer<float> dense;
            private readonly float[] own = new float[Width];
            public override DataViewSchema Schema => inner.Schema;
            public override long Position => inner.Position;
            public override long Batch => inner.Batch;
            public override bool MoveNext() => inner.MoveNext();
            public override bool IsColumnActive(DataViewSchema.Column column) => inner.IsColumnActive(column);
            public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                if (column.Name != "Features") return inner.GetGetter<TValue>(column);
                var read = inner.GetGetter<VBuffer<float>>(column);
                ValueGetter<VBuffer<float>> awkward = (ref VBuffer<float> value) =>
                {
                    read(ref dense);
                    var values = dense.GetValues().ToArray();
                    var nonZero = Enumerable.Range(0, values.Length).Where(d => values[d] != 0).ToArray();
                    if (nonZero.Length < values.Length)
                    {
                        value = new VBuffer<float>(values.Length, nonZero.Length, nonZero.Select(d => values[d]).ToArray(), nonZero);
                        parent.Sparse++;
                    }
                    else
                    {
                        values.CopyTo(own);
                        value = new VBuffer<float>(own.Length, own); // not the buffer it was handed
                        parent.OwnBuffer++;
                    }
                };
                return (ValueGetter<TValue>)(Delegate)awkward;
            }

            protected override void Dispose(bool disposing)
            {
                if (disposing) inner.Dispose();
                base.Dispose(disposing);
            }
        }
    }

    /// <summary>Reads Score row by row until scoring fails: the rows served before the error, and the error.</summary>
    private static (int Served, Exception Error) ServedUntilError(IDataView scored)
    {
        using var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"] });
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var score = default(VBuffer<float>);
        int served = 0;
        var error = Assert.ThrowsAny<Exception>(() =>
        {
            while (cursor.MoveNext())
            {
                getter(ref score);
                served++;
            }
        });
        return (served, error);
    }

    /// <summary>A view that also hands out its Features as one array (row after row), and counts cursors opened over Features.</summary>
    private sealed class RowMajorView(IDataView inner, float[] features, bool knowsRowCount = true) : IDataView, IRowMajorFeatures
    {
        public float[] Features => features;
        public int FeatureCursors { get; private set; }
        public DataViewSchema Schema => inner.Schema;
        public bool CanShuffle => false;
        public long? GetRowCount() => knowsRowCount ? inner.GetRowCount() : null;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
        {
            var columns = columnsNeeded.ToList();
            if (columns.Any(c => c.Name == "Features")) FeatureCursors++;
            return inner.GetRowCursor(columns);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };

        public bool TryGetRows(DataViewSchema.Column column, out ReadOnlyMemory<float> rows)
        {
            rows = features;
            return column.Name == "Features";
        }
    }
}
