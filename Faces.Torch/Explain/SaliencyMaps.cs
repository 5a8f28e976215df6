using Faces.Torch.Models;
using Faces.Torch.Native;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Explain;

/// <summary>
/// Which pixels drove a network's answer for a class: a map the size of the input image that sums to 1 (all zeros when
/// nothing speaks for the class). Convolutional networks default to HiResCAM on the last convolution, the MLP to
/// |gradient × input| (<see cref="SaliencyMethod"/>). The gradient is of the class's log-odds against the others,
/// logit − log Σ exp(other logits): a network may recognise a class by the absence of another's features, where the
/// plain logit's gradient leaves the class without a map, and unlike the log-probability it does not vanish when the
/// network is certain. A network that scores a face with its mirror image (<see cref="ExpressionNetArchitecture.FlipAveraging"/>)
/// gets the mean of the face's map and the mirror image's map mirrored back. One backward pass per face and pass,
/// through <c>autograd.grad</c>: the network's parameters and their gradients are untouched, so a shared network can
/// explain on several threads at once.
/// </summary>
public static class SaliencyMaps
{
    /// <summary>The map of <paramref name="row"/> (one flattened example) for class <paramref name="classIndex"/>, by <paramref name="method"/> (default: HiResCAM where the network has convolutions, gradient × input otherwise).</summary>
    public static float[] For(FacesNetwork network, ReadOnlySpan<float> row, int classIndex, SaliencyMethod? method = null)
    {
        var chosen = method ?? (network.Module is IExplainable ? SaliencyMethod.HiResCam : SaliencyMethod.GradientTimesInput);
        if (chosen != SaliencyMethod.GradientTimesInput && network.Module is not IExplainable)
            throw new NotSupportedException($"{network.Module.GetType().Name} has no convolution for {chosen}; use {SaliencyMethod.GradientTimesInput}.");
        var (channels, height, width) = Shape(network, row.Length, classIndex);
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        network.Module.eval();
        var image = tensor(row.ToArray(), new long[] { 1, channels, height, width }).to(network.Device);
        var map = Map(network, image, classIndex, chosen);
        if (network.Architecture is ExpressionNetArchitecture { FlipAveraging: true })
            map = (map + Map(network, image.flip(3), classIndex, chosen).flip(3)) / 2;
        return Normalized(map.detach().cpu().flatten());
    }

    /// <summary>The unnormalised map [1, 1, H, W] of one image [1, C, H, W].</summary>
    private static Tensor Map(FacesNetwork network, Tensor image, int classIndex, SaliencyMethod method)
    {
        if (method == SaliencyMethod.GradientTimesInput)
        {
            var x = image.detach().requires_grad_(true);
            var scores = network.Module.forward(x.flatten(1)); // every network takes flat rows
            var gradient = autograd.grad(new[] { LogOdds(scores, classIndex) }, new[] { x })[0];
            return (gradient * x).abs().sum(1, keepdim: true);
        }
        var (activations, logits) = ((IExplainable)network.Module).ForwardWithActivations(image);
        var toActivations = autograd.grad(new[] { LogOdds(logits, classIndex) }, new[] { activations })[0];
        // HiResCAM keeps the gradient where it is; Grad-CAM first averages it over each channel's positions.
        var weights = method == SaliencyMethod.GradCam ? toActivations.mean(new long[] { 2, 3 }, keepdim: true) : toActivations;
        var cam = F.relu((weights * activations).sum(1, keepdim: true));
        return cam.shape[2] == image.shape[2] && cam.shape[3] == image.shape[3]
            ? cam
            : F.interpolate(cam, new[] { image.shape[2], image.shape[3] }, mode: InterpolationMode.Bilinear, align_corners: false);
    }

    /// <summary>logit_c − log Σ_{j ≠ c} exp(logit_j) of the first row of [1, classes] logits.</summary>
    private static Tensor LogOdds(Tensor logits, int classIndex)
    {
        long classes = logits.shape[1];
        var others = cat(new[] { logits.narrow(1, 0, classIndex), logits.narrow(1, classIndex + 1, classes - classIndex - 1) }, 1);
        return logits[0, classIndex] - others.logsumexp(1)[0];
    }

    private static (long Channels, long Height, long Width) Shape(FacesNetwork network, int length, int classIndex)
    {
        TorchRuntime.EnsureInitialized();
        var architecture = network.Architecture;
        if (length != architecture.InputSize)
            throw new ArgumentException($"The row has {length} values; the network takes {architecture.InputSize}.");
        if (classIndex < 0 || classIndex >= architecture.Classes)
            throw new ArgumentException($"Class {classIndex} is not one of the network's {architecture.Classes}.");
        return architecture switch
        {
            CnnArchitecture c => (c.Channels, c.Height, c.Width),
            ExpressionNetArchitecture e => (e.Channels, e.Height, e.Width),
            _ => (1, 1, length),
        };
    }

    private static float[] Normalized(Tensor map)
    {
        var values = map.to_type(ScalarType.Float32).data<float>().ToArray();
        double total = values.Sum(v => (double)v);
        if (total > 0) for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] / total);
        return values;
    }
}
