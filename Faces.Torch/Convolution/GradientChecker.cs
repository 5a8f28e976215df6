using static TorchSharp.torch;

namespace Faces.Torch.Convolution;

/// <summary>
/// Compares autograd's gradients with central finite differences (TorchSharp 0.107 has no gradcheck). Use double
/// precision inputs; the loss should be a scalar function of them.
/// </summary>
public static class GradientChecker
{
    /// <summary>
    /// Largest relative error |analytic − numeric| / max(|analytic|, |numeric|, 1e-8) over <paramref name="samplesPerInput"/>
    /// randomly chosen entries of each input that requires a gradient.
    /// </summary>
    public static double MaxRelativeError(Func<Tensor> loss, IReadOnlyList<Tensor> inputs, int samplesPerInput, int seed, double step = 1e-6)
    {
        foreach (var input in inputs)
        {
            if (input.dtype != ScalarType.Float64) throw new ArgumentException("Gradient checks need float64 inputs.");
            input.grad?.zero_();
        }
        using (var value = loss()) value.backward();

        var random = new Random(seed);
        double worst = 0;
        foreach (var input in inputs.Where(i => i.requires_grad))
        {
            using var analytic = input.grad!.detach().clone().flatten();
            using var flat = input.detach().view(-1); // shares storage with input: perturbing it perturbs the input
            for (int s = 0; s < samplesPerInput; s++)
            {
                long index = random.NextInt64(flat.shape[0]);
                double original = flat[index].item<double>();
                double plus, minus;
                using (no_grad())
                {
                    flat[index] = original + step;
                    using (var up = loss()) plus = up.item<double>();
                    flat[index] = original - step;
                    using (var down = loss()) minus = down.item<double>();
                    flat[index] = original;
                }
                double numeric = (plus - minus) / (2 * step);
                double exact = analytic[index].item<double>();
                double error = Math.Abs(exact - numeric) / Math.Max(Math.Max(Math.Abs(exact), Math.Abs(numeric)), 1e-8);
                worst = Math.Max(worst, error);
            }
        }
        return worst;
    }
}
