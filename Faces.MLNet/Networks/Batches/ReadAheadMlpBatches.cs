using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Faces.Torch.Models;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.MLNet.Networks.Batches;

/// <summary>
/// The MLP through a look-ahead cursor, by the C# loops: two batches of one array per row, one scored on pool threads
/// while the cursor reads the next into the other, then helps finish the scoring. A failure reading the next batch is
/// kept for when the cursor reaches that batch: the rows before it are all served.
/// </summary>
internal sealed class ReadAheadMlpBatches : BatchSource
{
    private readonly NetworkModelParameters model;
    private readonly DataViewRowCursor lookAhead;
    private readonly ValueGetter<VBuffer<float>> readFeatures;
    private readonly int size;
    private readonly int batchSize;
    private readonly int threads;
    private readonly float[][][] rows;
    private readonly float[][] scored;
    private MlpScorer.Batch? pending;   // batch `pendingBuffer` being scored (its first row `pendingFirstRow`, `pendingCount` rows)
    private Task[] helpers = Array.Empty<Task>(); // the pool threads scoring it
    private int pendingBuffer, pendingCount;
    private long pendingFirstRow;
    private bool started;
    private ExceptionDispatchInfo? deferred;
    private VBuffer<float> row;

    public ReadAheadMlpBatches(NetworkModelParameters model, DataViewRowCursor lookAhead, DataViewSchema.Column features, int size, int batchSize, int classes, int threads)
    {
        this.model = model;
        this.lookAhead = lookAhead;
        this.size = size;
        this.batchSize = batchSize;
        this.threads = threads;
        readFeatures = lookAhead.GetGetter<VBuffer<float>>(features);
        rows = new[] { RowArrays(batchSize, size), RowArrays(batchSize, size) };
        scored = new[] { new float[checked(batchSize * classes)], new float[batchSize * classes] };
    }

    private static float[][] RowArrays(int count, int size) => Enumerable.Range(0, count).Select(_ => new float[size]).ToArray();

    public override (float[] Probabilities, int Count) Next(long firstRow)
    {
        deferred?.Throw();
        if (!started)
        {
            started = true;
            int first = ReadRows(rows[0], firstRow);
            if (first > 0) Score(0, first, firstRow);
        }
        if (pending == null) return (Array.Empty<float>(), 0);
        int buffer = pendingBuffer, count = pendingCount;
        long batchFirstRow = pendingFirstRow;
        var scoring = pending;
        pending = null;
        int next = 1 - buffer, nextCount = 0;
        try
        {
            nextCount = ReadRows(rows[next], batchFirstRow + count);
        }
        catch (Exception e)
        {
            deferred = ExceptionDispatchInfo.Capture(e);
        }
        scoring.Help(); // what the pool threads have not yet taken
        Task.WaitAll(helpers);
        model.CheckRows(rows[buffer], count, batchFirstRow, scoring.FirstNonFiniteRow, scored[buffer]);
        if (deferred == null && nextCount > 0) Score(next, nextCount, batchFirstRow + count);
        return (scored[buffer], count);
    }

    /// <summary>
    /// Reads up to a batch of Features, one array per row. The getter is handed the row's array to fill (ML.NET's
    /// getters write into the buffer they are given when it is large enough), so a row is copied once, by its source;
    /// a getter that hands back another buffer, or a sparse vector, costs a copy here. NaN and infinity are found when
    /// the batch is scored (its first layer is then not finite).
    /// </summary>
    private int ReadRows(float[][] destination, long firstRow)
    {
        int count = 0;
        while (count < batchSize && lookAhead.MoveNext())
        {
            var own = destination[count];
            row = new VBuffer<float>(size, own);
            readFeatures(ref row);
            bool filledOwn = row.IsDense && row.Length == size && Unsafe.AreSame(ref MemoryMarshal.GetReference(row.GetValues()), ref own[0]);
            if (!filledOwn) model.CopyFeatures(row, own, firstRow + count);
            count++;
        }
        return count;
    }

    /// <summary>Starts scoring a batch on all scoring threads but one, which is the cursor's own: it reads the next batch, then joins in.</summary>
    private void Score(int buffer, int count, long firstRow)
    {
        var batch = model.StartRows(rows[buffer], count, scored[buffer]);
        helpers = Enumerable.Range(0, threads - 1).Select(_ => Task.Run(batch.Help)).ToArray(); // none on one thread: the cursor scores after reading
        (pending, pendingBuffer, pendingCount, pendingFirstRow) = (batch, buffer, count, firstRow);
    }

    public override void Dispose()
    {
        // A batch still being scored reads these buffers: let it finish (its result is no longer wanted).
        try { Task.WaitAll(helpers); } catch (AggregateException) { }
        lookAhead.Dispose();
    }
}
