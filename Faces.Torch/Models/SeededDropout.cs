using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// Inverted dropout whose masks come from the module's own generator, not libtorch's process-wide one: training stays
/// deterministic given a seed while other threads draw random numbers. In evaluation mode it passes its input through.
/// </summary>
public sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double probability;
    private readonly Generator generator;

    /// <summary>Zeroes each value with <paramref name="probability"/> and scales the rest by 1 / (1 − p).</summary>
    public SeededDropout(string name, double probability, ulong seed) : base(name)
    {
        if (!(probability >= 0 && probability < 1)) throw new ArgumentException($"Dropout must be in [0, 1); got {probability}.");
        this.probability = probability;
        generator = new Generator(seed);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (!training || probability == 0) return input.alias();
        using var scope = NewDisposeScope();
        var keep = rand(input.shape, dtype: input.dtype, device: input.device, generator: generator).ge_(probability);
        return input.mul(keep).div_(1 - probability).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) generator.Dispose();
        base.Dispose(disposing);
    }
}
