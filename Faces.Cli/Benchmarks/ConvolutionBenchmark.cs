using Faces.Torch;
using Faces.Torch.Convolution;
using Faces.Torch.Models;
using Faces.Torch.Training;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// Explicit-backward convolution against TorchSharp's native conv2d: per layer (forward + backward of one batch, as the
/// CNN uses each layer) and for one whole CNN training epoch on random 48x48 images. Prints ratios, not verdicts.
/// </summary>
internal static class ConvolutionBenchmark
{
    /// <summary>Runs the benchmark and writes a table to <paramref name="output"/>.</summary>
    public static void Run(TextWriter output, int images = 3374, int rounds = 7, int epochRounds = 3, int threads = 0)
    {
        TorchEnvironment.SetThreads(threads);
        output.WriteLine($"threads {TorchEnvironment.Threads}, batch 100, float32, medians of {rounds} interleaved rounds");
        output.WriteLine($"{"case",-44} {"explicit ms",12} {"native ms",10} {"ratio",7}");
        LayerCase(output, "layer 1: 1->8, 48x48, input needs no grad", 1, 8, 48, inputNeedsGrad: false, rounds);
        LayerCase(output, "layer 2: 8->16, 16x16, input needs grad", 8, 16, 16, inputNeedsGrad: true, rounds);
        WeightGradientCase(output, "dE/dW only, layer 1", 1, 8, 48, rounds);
        WeightGradientCase(output, "dE/dW only, layer 2", 8, 16, 16, rounds);
        WeightGradientCase(output, "dE/dW only, Fashion-MNIST layer 1 (28x28)", 1, 8, 28, rounds);
        WeightGradientCase(output, "dE/dW only, Fashion-MNIST layer 2 (9x9)", 8, 16, 9, rounds);
        EpochCase(output, images, epochRounds);
    }

    private static void LayerCase(TextWriter output, string name, int inChannels, int outChannels, int size, bool inputNeedsGrad, int rounds)
    {
        random.manual_seed(1);
        using var x = randn(100, inChannels, size, size);
        if (inputNeedsGrad) x.requires_grad_(true);
        using var explicitLayer = new ExplicitConv2d("e", inChannels, outChannels, 5, 5, ConvolutionPadding.Same(5, 5), ConvolutionKind.Explicit);
        using var nativeLayer = new ExplicitConv2d("n", inChannels, outChannels, 5, 5, ConvolutionPadding.Same(5, 5), ConvolutionKind.Native);
        void Step(ExplicitConv2d layer)
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            x.grad?.zero_();
            layer.forward(x).sum().backward();
        }
        var medians = Timing.InterleavedMedians(new Action[] { () => Step(explicitLayer), () => Step(nativeLayer) }, rounds * 3);
        Print(output, name, medians[0], medians[1]);
    }

    private static void WeightGradientCase(TextWriter output, string name, int inChannels, int outChannels, int size, int rounds)
    {
        random.manual_seed(2);
        using var padded = randn(100, inChannels, size + 4, size + 4);
        using var grad = randn(100, outChannels, size, size);
        long[] shape = { outChannels, inChannels, 5, 5 };
        void Run(WeightGradientMethod method)
        {
            using var dw = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, method);
        }
        var methods = new[] { WeightGradientMethod.Im2ColMatMul, WeightGradientMethod.GroupedConvolution, WeightGradientMethod.SwappedAxesConvolution, WeightGradientMethod.DirectSimd };
        var medians = Timing.InterleavedMedians(methods.Select(m => (Action)(() => Run(m))).ToArray(), rounds * 3);
        output.WriteLine($"{name,-44} " + string.Join("  ", methods.Select((m, i) => $"{m} {medians[i] * 1e3:F2} ms")));
    }

    private static void EpochCase(TextWriter output, int images, int rounds)
    {
        random.manual_seed(3);
        using var data = new LabeledTensors(rand(images, 2304), randint(0, 7, new long[] { images }), 7, "random");
        var options = TrainingOptions.ForCnn with { Epochs = 1, RecordTrainingMetrics = false };
        var trainer = new NetworkTrainer(options);
        void Epoch(ConvolutionKind kind)
        {
            using var network = trainer.Train(new CnnArchitecture { Convolution = kind }, data);
        }
        var medians = Timing.InterleavedMedians(new Action[] { () => Epoch(ConvolutionKind.Explicit), () => Epoch(ConvolutionKind.Native) }, rounds);
        Print(output, $"whole CNN epoch, {images} images", medians[0], medians[1]);
        output.WriteLine($"{"images/s",-44} {images / medians[0],12:F0} {images / medians[1],10:F0}");
    }

    private static void Print(TextWriter output, string name, double explicitSeconds, double nativeSeconds) =>
        output.WriteLine($"{name,-44} {explicitSeconds * 1e3,12:F2} {nativeSeconds * 1e3,10:F2} {explicitSeconds / nativeSeconds,7:F2}x");
}
