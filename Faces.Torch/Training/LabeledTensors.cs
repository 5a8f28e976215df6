using static TorchSharp.torch;

namespace Faces.Torch.Training;

/// <summary>
/// One split as tensors: features [N, D] float32 and labels [N] int64 in [0, classes). Built once and indexed per
/// mini-batch, so an epoch copies nothing but its batches. Owns its tensors; the features may share a split's array.
/// </summary>
public sealed class LabeledTensors : IDisposable
{
    /// <summary>Features, [N, D] float32 on the CPU.</summary>
    public Tensor Features { get; }

    /// <summary>Labels, [N] int64.</summary>
    public Tensor Labels { get; }

    /// <summary>Number of examples.</summary>
    public long Count => Features.shape[0];

    /// <summary>Values per example.</summary>
    public long Width => Features.shape[1];

    /// <summary>Takes ownership of two tensors after checking their shapes, types and values.</summary>
    public LabeledTensors(Tensor features, Tensor labels, int classes, string name = "data") : this(features, labels, classes, name, checkFeatures: true)
    {
    }

    private LabeledTensors(Tensor features, Tensor labels, int classes, string name, bool checkFeatures)
    {
        Native.TorchRuntime.EnsureInitialized();
        if (features.dim() != 2 || features.dtype != ScalarType.Float32)
            throw new ArgumentException($"{name}: features must be a [N, D] float32 tensor; got {features.dtype} [{string.Join(", ", features.shape)}].");
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException($"{name}: labels must be a vector of {features.shape[0]} entries; got [{string.Join(", ", labels.shape)}].");
        if (features.shape[0] == 0) throw new ArgumentException($"{name}: no examples.");
        if (checkFeatures)
        {
            using var finite = features.isfinite().all(1);
            if (!finite.all().item<bool>())
            {
                long row = finite.logical_not().nonzero()[0, 0].item<long>();
                throw new ArgumentException($"{name}: row {row} has a NaN or infinite feature value.");
            }
        }
        Labels = labels.dtype == ScalarType.Int64 ? labels : labels.to_type(ScalarType.Int64);
        long minimum = Labels.min().item<long>(), maximum = Labels.max().item<long>();
        if (minimum < 0 || maximum >= classes)
        {
            long row = Labels.lt(0).logical_or(Labels.ge(classes)).nonzero()[0, 0].item<long>();
            throw new ArgumentException($"{name}: row {row} has label {Labels[row].item<long>()}, outside 0..{classes - 1}.");
        }
        Features = features;
    }

    /// <summary>
    /// A split's rows and labels as tensors; the split checked its values, the labels are checked against
    /// <paramref name="classes"/> here. The features tensor shares the split's array (pinned while the tensor lives)
    /// rather than copying it: training only reads it, and a copy would hold every pixel twice.
    /// </summary>
    public static LabeledTensors From(Data.FaceSplit rows, int classes)
    {
        Native.TorchRuntime.EnsureInitialized();
        if (!rows.HasLabels) throw new ArgumentException($"{rows.Name}: the rows have no labels to train on.");
        using var flat = from_array(rows.Features);
        var x = flat.view(rows.Count, rows.Dimension);
        var y = tensor(rows.Labels.Select(l => (long)l).ToArray());
        return new LabeledTensors(x, y, classes, rows.Name, checkFeatures: false);
    }

    /// <summary>Row-major features (rows × width) and labels as tensors, checked as a <see cref="Data.FaceSplit"/>; the features tensor shares <paramref name="features"/>.</summary>
    public static LabeledTensors FromArrays(float[] features, int[] labels, int width, int classes, string name = "data") =>
        From(new Data.FaceSplit(name, features, labels, width), classes);

    /// <inheritdoc />
    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
