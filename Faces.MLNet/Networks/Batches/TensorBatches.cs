using Faces.Torch.Models;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.MLNet.Networks.Batches;

/// <summary>Any network through libtorch (the CNNs): a look-ahead cursor reads a batch of Features, checked, into one reused libtorch tensor, scored in one forward pass.</summary>
internal sealed class TensorBatches : BatchSource
{
    private readonly NetworkModelParameters model;
    private readonly DataViewRowCursor lookAhead;
    private readonly ValueGetter<VBuffer<float>> readFeatures;
    private readonly TorchSharp.torch.Tensor batch; // in libtorch's memory, reused batch after batch
    private readonly int size;
    private readonly int batchSize;
    private VBuffer<float> row;

    public TensorBatches(NetworkModelParameters model, DataViewRowCursor lookAhead, DataViewSchema.Column features, int size, int batchSize)
    {
        this.model = model;
        this.lookAhead = lookAhead;
        this.size = size;
        this.batchSize = batchSize;
        readFeatures = lookAhead.GetGetter<VBuffer<float>>(features);
        batch = model.Network.NewBatch(batchSize);
    }

    public override (float[] Probabilities, int Count) Next(long firstRow)
    {
        var destination = FacesNetwork.Rows(batch);
        int count = 0;
        while (count < batchSize && lookAhead.MoveNext())
        {
            readFeatures(ref row);
            model.CopyFeatures(row, destination.Slice(count * size, size), firstRow + count);
            count++;
        }
        return count == 0 ? (Array.Empty<float>(), 0) : (model.Score(batch, count), count);
    }

    public override void Dispose()
    {
        lookAhead.Dispose();
        batch.Dispose();
    }
}
