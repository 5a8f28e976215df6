namespace Faces.MLNet.Networks.Batches;

/// <summary>
/// Where a scoring cursor's probabilities come from, a batch at a time: one class per strategy
/// (<see cref="InPlaceMlpBatches"/>, <see cref="ReadAheadMlpBatches"/>, <see cref="TensorBatches"/>).
/// </summary>
internal abstract class BatchSource : IDisposable
{
    /// <summary>
    /// Scores the next batch, whose first row is <paramref name="firstRow"/>: its rows' probabilities, row after row
    /// (valid until the next call), and how many rows it holds (0: the input has no more rows).
    /// </summary>
    public abstract (float[] Probabilities, int Count) Next(long firstRow);

    public virtual void Dispose()
    {
    }
}
