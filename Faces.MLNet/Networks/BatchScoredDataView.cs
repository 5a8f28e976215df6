using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// The input with Score and PredictedLabel appended, scored a batch at a time. Its cursor drives two cursors over the
/// input in the same order (ML.NET's own batch mappers do the same): a look-ahead one that reads only Features, a batch
/// ahead, for one forward pass; and the main one that serves the pass-through columns of the current row. One cursor
/// per request (a cursor set of one): libtorch already uses every core for a batch, and ML.NET's parallel cursors on
/// top of it would oversubscribe them.
/// </summary>
internal sealed class BatchScoredDataView : IDataView
{
    private readonly IHost host;
    private readonly IDataView input;
    private readonly NetworkModelParameters model;
    private readonly DataViewSchema.Column features;
    private readonly int batchSize;
    private readonly int scoreIndex;
    private readonly int predictedIndex;

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public BatchScoredDataView(IHost host, IDataView input, DataViewSchema schema, NetworkModelParameters model, string featureColumn, int batchSize)
    {
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

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scoring = needed.Contains(scoreIndex) || needed.Contains(predictedIndex);
        var passThrough = needed.Where(i => i < input.Schema.Count).Select(i => input.Schema[i]).ToList();
        var main = input.GetRowCursor(passThrough);
        var lookAhead = scoring ? input.GetRowCursor(new[] { features }) : null;
        return new Cursor(this, main, lookAhead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchScoredDataView parent;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? lookAhead;
        private readonly ValueGetter<VBuffer<float>>? readFeatures;
        private readonly HashSet<int> active;
        private readonly int classes;
        private readonly TorchSharp.torch.Tensor? batch; // in libtorch's memory, reused batch after batch
        private VBuffer<float> row;
        private float[] probabilities = Array.Empty<float>();
        private int filled;
        private int current = -1;
        private long position = -1;

        public Cursor(BatchScoredDataView parent, DataViewRowCursor main, DataViewRowCursor? lookAhead, HashSet<int> active)
        {
            this.parent = parent;
            this.main = main;
            this.lookAhead = lookAhead;
            this.active = active;
            classes = ((VectorDataViewType)parent.Schema[parent.scoreIndex].Type).Size;
            batch = lookAhead == null ? null : parent.model.Network.NewBatch(parent.batchSize);
            readFeatures = lookAhead?.GetGetter<VBuffer<float>>(parent.features);
        }

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => position;
        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!main.MoveNext()) return false;
            position++;
            if (lookAhead != null && ++current == filled) ReadBatch();
            return true;
        }

        /// <summary>Reads up to a batch of Features with the look-ahead cursor and scores them in one pass.</summary>
        private void ReadBatch()
        {
            int size = ((VectorDataViewType)parent.features.Type).Size, count = 0;
            var rows = Faces.Torch.Models.FacesNetwork.Rows(batch!);
            while (count < parent.batchSize && lookAhead!.MoveNext())
            {
                readFeatures!(ref row);
                parent.model.CopyFeatures(row, rows.Slice(count * size, size), position + count);
                count++;
            }
            if (count == 0) throw parent.host.Except("The input gave the scorer's two cursors different numbers of rows: it must read the same rows in the same order.");
            probabilities = parent.model.Score(batch!, count);
            filled = count;
            current = 0;
        }

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
                main.Dispose();
                lookAhead?.Dispose();
                batch?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
