using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;
using Faces.MLNet.Networks.Batches;

namespace Faces.MLNet.Networks;

/// <summary>
/// The input with Score and PredictedLabel appended, scored a batch at a time. Its cursor drives two cursors over the
/// input in the same order (ML.NET's own batch mappers do the same): a look-ahead one that reads only Features, a batch
/// ahead, for one forward pass; and the main one that serves the pass-through columns of the current row. One cursor
/// per request (a cursor set of one): a batch already uses every core, and ML.NET's parallel cursors on top of it
/// would oversubscribe them.
/// <para>The MLP is scored by C# loops (<see cref="NetworkModelParameters.MlpScorer"/>) on libtorch's thread count;
/// where the input keeps Features row after row in one array (<see cref="IRowMajorFeatures"/>), they read each batch
/// there in place and no look-ahead cursor is opened. The CNN goes through libtorch, a batch copied into its tensor.</para>
/// <para>As a step of a pipeline it is ML.NET's own scorer over the same input (<c>rowByRow</c>, the transformer's
/// <see cref="NetworkPredictionTransformer.RowByRow"/>): that is what ONNX export (<c>ConvertToOnnx</c> walks the
/// data views back to the input) and saving see.</para>
/// </summary>
internal sealed class BatchScoredDataView : ITransformCanSaveOnnx
{
    private readonly IHost host;
    private readonly IDataView input;
    private readonly NetworkModelParameters model;
    private readonly DataViewSchema.Column features;
    private readonly int batchSize;
    private readonly int scoreIndex;
    private readonly int predictedIndex;

    private readonly Lazy<IDataTransform> rowByRow;

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public IDataView Source => input;

    public BatchScoredDataView(IHost host, IDataView input, DataViewSchema schema, NetworkModelParameters model, string featureColumn, int batchSize,
        ITransformer rowByRowScorer)
    {
        rowByRow = new(() => rowByRowScorer.Transform(input) as IDataTransform
                             ?? throw host.ExceptNotSupp("ML.NET's scorer did not return a data transform."));
        this.host = host;
        this.input = input;
        this.model = model;
        this.batchSize = batchSize;
        Schema = schema;
        features = input.Schema.GetColumnOrNull(featureColumn) ?? throw host.ExceptSchemaMismatch(nameof(input), "feature", featureColumn);
        // ML.NET's scorer keeps every input column at its index and appends its own: the pass-through columns map one to one.
        for (int i = 0; i < input.Schema.Count; i++)
            host.Assert(schema[i].Name == input.Schema[i].Name && schema[i].Type.Equals(input.Schema[i].Type), "scored schema does not extend the input");
        scoreIndex = Appended(DefaultColumnNames.Score);
        predictedIndex = Appended(DefaultColumnNames.PredictedLabel);
    }

    private int Appended(string name)
    {
        var column = Schema.GetColumnOrNull(name);
        host.Assert(column is { Index: var index } && index >= input.Schema.Count, $"scored schema has no appended {name}");
        return column!.Value.Index;
    }

    public long? GetRowCount() => input.GetRowCount();

    bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => rowByRow.Value is ITransformCanSaveOnnx scorer && scorer.CanSaveOnnx(ctx);

    void ISaveAsOnnx.SaveAsOnnx(OnnxContext ctx) => ((ITransformCanSaveOnnx)rowByRow.Value).SaveAsOnnx(ctx);

    void ICanSaveModel.Save(ModelSaveContext ctx) => rowByRow.Value.Save(ctx);

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scoring = needed.Contains(scoreIndex) || needed.Contains(predictedIndex);
        var passThrough = needed.Where(i => i < input.Schema.Count).Select(i => input.Schema[i]).ToList();
        var main = input.GetRowCursor(passThrough);
        ReadOnlyMemory<float> inPlace = default;
        bool readInPlace = scoring && model.MlpScorer != null && input is IRowMajorFeatures rowMajor && rowMajor.TryGetRows(features, out inPlace)
                           && inPlace.Length % ((VectorDataViewType)features.Type).Size == 0;
        long arrayRows = inPlace.Length / ((VectorDataViewType)features.Type).Size;
        if (readInPlace && input.GetRowCount() is long viewRows && viewRows != arrayRows)
            throw host.Except($"The input's Features array holds {arrayRows} rows and the view {viewRows}: different numbers of rows (IRowMajorFeatures must hold every row in cursor order).");
        return new Cursor(this, main, scoring ? NewBatchSource(readInPlace ? inPlace : (ReadOnlyMemory<float>?)null) : null, needed);
    }

    /// <summary>The batch source of a scoring cursor: rows read in place, or through a look-ahead cursor for the MLP's loops or libtorch.</summary>
    private BatchSource NewBatchSource(ReadOnlyMemory<float>? inPlace)
    {
        int size = ((VectorDataViewType)features.Type).Size, classes = ((VectorDataViewType)Schema[scoreIndex].Type).Size;
        int threads = Math.Max(1, Faces.Torch.TorchEnvironment.Threads);
        if (inPlace is { } rows) return new InPlaceMlpBatches(model, rows, size, batchSize, classes, threads);
        var lookAhead = input.GetRowCursor(new[] { features });
        return model.MlpScorer != null
            ? new ReadAheadMlpBatches(model, lookAhead, features, size, batchSize, classes, threads)
            : new TensorBatches(model, lookAhead, features, size, batchSize);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    /// <summary>Serves the input's rows with their scores, taken a batch at a time from its <see cref="BatchSource"/> (none when no score is read).</summary>
    private sealed class Cursor(BatchScoredDataView parent, DataViewRowCursor main, BatchSource? source, HashSet<int> active) : DataViewRowCursor
    {
        private readonly int classes = ((VectorDataViewType)parent.Schema[parent.scoreIndex].Type).Size;
        private float[] probabilities = Array.Empty<float>();
        private int filled;
        private int current = -1;
        private long position = -1;

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => position;
        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!main.MoveNext()) return false;
            position++;
            if (source != null && ++current == filled)
            {
                (probabilities, filled) = source.Next(position);
                if (filled == 0) throw RowsDiffer();
                current = 0;
            }
            return true;
        }

        private Exception RowsDiffer() =>
            parent.host.Except("The input gave the scorer's cursors different numbers of rows: it must read the same rows in the same order.");

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            parent.host.Check(IsColumnActive(column), $"Column '{column.Name}' is not active on this cursor.");
            if (column.Index < parent.input.Schema.Count) return main.GetGetter<TValue>(parent.input.Schema[column.Index]);
            if (column.Index == parent.scoreIndex && typeof(TValue) == typeof(VBuffer<float>))
            {
                ValueGetter<VBuffer<float>> score = (ref VBuffer<float> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, classes);
                    probabilities.AsSpan(current * classes, classes).CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return (ValueGetter<TValue>)(Delegate)score;
            }
            if (column.Index == parent.predictedIndex && typeof(TValue) == typeof(uint))
            {
                // The first largest probability, as ML.NET's multiclass scorer picks it; keys count from 1.
                ValueGetter<uint> predicted = (ref uint value) =>
                {
                    var scores = probabilities.AsSpan(current * classes, classes);
                    int best = 0;
                    for (int c = 1; c < classes; c++)
                        if (scores[c] > scores[best]) best = c;
                    value = (uint)best + 1;
                };
                return (ValueGetter<TValue>)(Delegate)predicted;
            }
            throw parent.host.Except($"Column '{column.Name}' is {column.Type}, not {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => main.GetIdGetter();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                source?.Dispose();
                main.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
