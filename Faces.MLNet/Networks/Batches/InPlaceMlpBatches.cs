namespace Faces.MLNet.Networks.Batches;

/// <summary>The MLP over an input that holds Features row after row in one array (<see cref="IRowMajorFeatures"/>): each batch is read there, in place, by the C# loops.</summary>
internal sealed class InPlaceMlpBatches(NetworkModelParameters model, ReadOnlyMemory<float> rows, int size, int batchSize, int classes, int threads) : BatchSource
{
    private readonly float[] probabilities = new float[checked(batchSize * classes)];

    public override (float[] Probabilities, int Count) Next(long firstRow)
    {
        int count = (int)Math.Min(batchSize, rows.Length / size - firstRow);
        if (count <= 0) return (probabilities, 0);
        model.ScoreRows(rows.Slice(checked((int)(firstRow * size)), count * size), count, firstRow, threads, probabilities);
        return (probabilities, count);
    }
}
