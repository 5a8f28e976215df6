using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// Initial-weight distributions drawn from a network's own generator. libtorch's default generator is one per
/// process: drawing from it, any other thread's draw (another network, another test) would change these weights.
/// The tensor's own <c>normal_</c>/<c>uniform_</c> are called: TorchSharp 0.107's <c>nn.init.normal_</c> ignores
/// the generator it is given (two generators of one seed gave different draws).
/// </summary>
internal static class WeightDraws
{
    /// <summary>He et al.'s normal initialisation for ReLU layers: N(0, 2 / fan-in).</summary>
    public static void KaimingNormal(Tensor weight, Generator generator) =>
        weight.normal_(0, Math.Sqrt(2.0 / FanIn(weight)), generator);

    /// <summary>Glorot and Bengio's uniform initialisation: U(±√(6 / (fan-in + fan-out))).</summary>
    public static void XavierUniform(Tensor weight, Generator generator)
    {
        double bound = Math.Sqrt(6.0 / (FanIn(weight) + FanOut(weight)));
        weight.uniform_(-bound, bound, generator);
    }

    /// <summary>N(0, std²).</summary>
    public static void Normal(Tensor weight, double std, Generator generator) => weight.normal_(0, std, generator);

    /// <summary>A seed for another generator, drawn from this one.</summary>
    public static ulong NextSeed(Generator generator)
    {
        using var draw = randint(0, long.MaxValue, new long[] { 1 }, dtype: ScalarType.Int64, generator: generator);
        return (ulong)draw.item<long>();
    }

    // A weight is [outputs, inputs, kernel…]: the fans count inputs (outputs) times the kernel's size.
    private static long FanIn(Tensor weight) => weight.shape[1] * ReceptiveField(weight);

    private static long FanOut(Tensor weight) => weight.shape[0] * ReceptiveField(weight);

    private static long ReceptiveField(Tensor weight) => weight.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
}
