using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;
using Faces.Torch.Models;

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
        var lookAhead = scoring && !readInPlace ? input.GetRowCursor(new[] { features }) : null;
        return new Cursor(this, main, lookAhead, readInPlace ? inPlace : (ReadOnlyMemory<float>?)null, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchScoredDataView parent;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? lookAhead;
        private readonly ReadOnlyMemory<float>? inPlace; // the input's Features, row after row, read without a cursor
        private readonly ValueGetter<VBuffer<float>>? readFeatures;
        private readonly HashSet<int> active;
        private readonly int classes;
        private readonly int size;
        private readonly int threads;
        private readonly TorchSharp.torch.Tensor? batch; // the CNN's: in libtorch's memory, reused batch after batch
        // The MLP's, when read through the look-ahead cursor: two batches of one array per row, one scored on pool
        // threads while the cursor reads the next into the other.
        private readonly float[][][]? rows;
        private readonly float[][]? scored;
        private MlpScorer.Batch? pending;   // batch `pendingBuffer` being scored (its first row `pendingFirstRow`, `pendingCount` rows)
        private Task[] helpers = Array.Empty<Task>(); // the pool threads scoring it
        private int pendingBuffer, pendingCount;
        private long pendingFirstRow;
        private bool started;
        private ExceptionDispatchInfo? deferred; // reading the next batch failed: thrown when the cursor reaches it
        private VBuffer<float> row;
        private float[] probabilities;
        private int filled;
        private int current = -1;
        private long position = -1;

        public Cursor(BatchScoredDataView parent, DataViewRowCursor main, DataViewRowCursor? lookAhead, ReadOnlyMemory<float>? inPlace, HashSet<int> active)
        {
            this.parent = parent;
            this.main = main;
            this.lookAhead = lookAhead;
            this.inPlace = inPlace;
            this.active = active;
            classes = ((VectorDataViewType)parent.Schema[parent.scoreIndex].Type).Size;
            size = ((VectorDataViewType)parent.features.Type).Size;
            bool scoring = lookAhead != null || inPlace != null;
            bool managed = scoring && parent.model.MlpScorer != null;
            threads = managed ? Math.Max(1, Faces.Torch.TorchEnvironment.Threads) : 1;
            batch = scoring && !managed ? parent.model.Network.NewBatch(parent.batchSize) : null;
            bool readAhead = managed && inPlace == null;
            rows = readAhead ? new[] { RowArrays(parent.batchSize, size), RowArrays(parent.batchSize, size) } : null;
            scored = readAhead ? new[] { new float[checked(parent.batchSize * classes)], new float[parent.batchSize * classes] } : null;
            probabilities = managed && !readAhead ? new float[checked(parent.batchSize * classes)] : Array.Empty<float>();
            readFeatures = lookAhead?.GetGetter<VBuffer<float>>(parent.features);
        }

        public override DataViewSchema Schema => parent.Schema;
        public override long Position => position;
        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (!main.MoveNext()) return false;
            position++;
            if ((lookAhead != null || inPlace != null) && ++current == filled) ReadBatch();
            return true;
        }

        /// <summary>Scores the next batch of rows in one pass: read in place, or read ahead with the look-ahead cursor.</summary>
        private void ReadBatch()
        {
            int count;
            if (inPlace is { } source)
            {
                count = (int)Math.Min(parent.batchSize, source.Length / size - position);
                if (count <= 0) throw RowsDiffer();
                parent.model.ScoreRows(source.Slice(checked((int)(position * size)), count * size), count, position, threads, probabilities);
            }
            else if (rows != null)
            {
                count = ServeReadAhead();
            }
            else
            {
                count = Read(FacesNetwork.Rows(batch!), position);
                if (count == 0) throw RowsDiffer();
                probabilities = parent.model.Score(batch!, count);
            }
            filled = count;
            current = 0;
        }

        /// <summary>Reads up to a batch of Features with the look-ahead cursor into <paramref name="destination"/>, checked.</summary>
        private int Read(Span<float> destination, long firstRow)
        {
            int count = 0;
            while (count < parent.batchSize && lookAhead!.MoveNext())
            {
                readFeatures!(ref row);
                parent.model.CopyFeatures(row, destination.Slice(count * size, size), firstRow + count);
                count++;
            }
            return count;
        }

        private static float[][] RowArrays(int count, int size) => Enumerable.Range(0, count).Select(_ => new float[size]).ToArray();

        /// <summary>
        /// Reads up to a batch of Features with the look-ahead cursor, one array per row. The getter is handed the row's
        /// array to fill (ML.NET's getters write into the buffer they are given when it is large enough), so a row is
        /// copied once, by its source; a getter that hands back another buffer, or a sparse vector, costs a copy here.
        /// NaN and infinity are found when the batch is scored (its first layer is then not finite).
        /// </summary>
        private int ReadRows(float[][] destination, long firstRow)
        {
            int count = 0;
            while (count < parent.batchSize && lookAhead!.MoveNext())
            {
                var own = destination[count];
                row = new VBuffer<float>(size, own);
                readFeatures!(ref row);
                bool filledOwn = row.IsDense && row.Length == size && Unsafe.AreSame(ref MemoryMarshal.GetReference(row.GetValues()), ref own[0]);
                if (!filledOwn) parent.model.CopyFeatures(row, own, firstRow + count);
                count++;
            }
            return count;
        }

        /// <summary>
        /// The MLP through the look-ahead cursor: the batch reached was put to score on pool threads at the previous
        /// batch; the cursor reads the next one meanwhile, then helps finish the scoring. A failure
        /// reading the next batch is kept for when the cursor reaches that batch: the rows before it are all served.
        /// </summary>
        private int ServeReadAhead()
        {
            deferred?.Throw();
            if (!started)
            {
                started = true;
                int first = ReadRows(rows![0], position);
                if (first > 0) Score(0, first, position);
            }
            if (pending == null) throw RowsDiffer();
            int buffer = pendingBuffer, count = pendingCount;
            long firstRow = pendingFirstRow;
            var scoring = pending;
            pending = null;
            int next = 1 - buffer, nextCount = 0;
            try
            {
                nextCount = ReadRows(rows![next], firstRow + count);
            }
            catch (Exception e)
            {
                deferred = ExceptionDispatchInfo.Capture(e);
            }
            scoring.Help(); // what the pool threads have not yet taken
            Task.WaitAll(helpers);
            parent.model.CheckRows(rows![buffer], count, firstRow, scoring.FirstNonFiniteRow, scored![buffer]);
            probabilities = scored[buffer];
            if (deferred == null && nextCount > 0) Score(next, nextCount, firstRow + count);
            return count;
        }

        /// <summary>
        /// Starts scoring a batch on all scoring threads but one, which is the cursor's own: it reads the next batch,
        /// then joins in.
        /// </summary>
        private void Score(int buffer, int count, long firstRow)
        {
            var batch = parent.model.StartRows(rows![buffer], count, scored![buffer]);
            helpers = Enumerable.Range(0, threads - 1).Select(_ => Task.Run(batch.Help)).ToArray(); // none on one thread: the cursor scores after reading
            (pending, pendingBuffer, pendingCount, pendingFirstRow) = (batch, buffer, count, firstRow);
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
                // A batch still being scored reads this cursor's buffers: let it finish (its result is no longer wanted).
                try { Task.WaitAll(helpers); } catch (AggregateException) { }
                main.Dispose();
                lookAhead?.Dispose();
                batch?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
