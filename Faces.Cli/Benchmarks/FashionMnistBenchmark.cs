using System.Globalization;
using Faces.Pipelines.Data.Loaders;
using Faces.Torch;
using Faces.Torch.Convolution;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Faces.Pipelines.Training;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// Trains the study's MLP or CNN (resized to 28x28 inputs, 10 classes) on Fashion-MNIST — Debian's
/// dataset-fashion-mnist, all 60,000 training images — with Faces.Torch and with PyTorch 1.13 (Debian's python3-torch)
/// in the same run, epoch for epoch (interleaved, one live peer): same architecture, initialisation scheme, SGD with
/// momentum, batch size, epochs and thread count. Prints seconds per epoch (median, min–max), the ratio and both test accuracies.
/// </summary>
internal static class FashionMnistBenchmark
{
    private static string Spread(List<double> values) => Timing.Spread(values, v => v.ToString("F2", CultureInfo.InvariantCulture));

    public static bool Run(TextWriter output, ModelKind model, int epochs, int threads, string folder = IdxLoader.DebianFashionMnistFolder,
        ConvolutionKind convolution = ConvolutionKind.Explicit)
    {
        if (!Directory.Exists(folder))
        {
            output.WriteLine($"Fashion-MNIST not found at {folder}: apt-get install dataset-fashion-mnist");
            return false;
        }
        var (trainPixels, trainCount, height, width) = IdxLoader.ReadImages(Path.Combine(folder, "train-images-idx3-ubyte.gz"));
        var trainLabels = IdxLoader.ReadLabels(Path.Combine(folder, "train-labels-idx1-ubyte.gz"));
        var (testPixels, _, _, _) = IdxLoader.ReadImages(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"));
        var testLabels = IdxLoader.ReadLabels(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"));
        int size = height * width;
        threads = threads > 0 ? threads : Environment.ProcessorCount;

        NetworkArchitecture architecture = model == ModelKind.Cnn
            ? new CnnArchitecture { Height = height, Width = width, Classes = 10, Convolution = convolution }
            : new MlpArchitecture { Inputs = size, Classes = 10 };
        var options = new TrainingOptions
        {
            Epochs = epochs, LearningRate = 0.01, Momentum = 0.9, BatchSize = 100, Threads = threads, RecordTrainingMetrics = false,
        };
        using var train = LabeledTensors.FromArrays(trainPixels, trainLabels, size, 10, "train");
        using var test = LabeledTensors.FromArrays(testPixels, testLabels, size, 10, "test");
        string name = model == ModelKind.Cnn ? $"CNN ({architecture.ParameterCount} parameters, {convolution} convolution)" : $"MLP ({architecture.ParameterCount} parameters)";
        string work = Directory.CreateTempSubdirectory("faces-fashion-bench-").FullName;
        try
        {
            using var peer = PeerSession.Start(output, "fashion_peer.py", work, new[] { folder, model.ToString().ToLowerInvariant(),
                threads.ToString(CultureInfo.InvariantCulture) }, "PyTorch", "python3-torch");
            if (peer == null) return false;
            // Interleaved: after each Faces epoch (timed by the trainer, before its progress callback) the peer trains one.
            var ours = new List<double>();
            var theirs = new List<double>();
            using var network = new NetworkTrainer(options).Train(architecture, train, progress: r =>
            {
                ours.Add(r.Seconds);
                theirs.Add(peer.Ask("epoch").GetProperty("seconds").GetDouble());
            });
            double oursAccuracy = network.Evaluate(test).Accuracy;
            double peerAccuracy = peer.Ask("accuracy").GetProperty("accuracy").GetDouble();
            var kept = (Faces: ours.Skip(epochs > 1 ? 1 : 0).ToList(), Peer: theirs.Skip(epochs > 1 ? 1 : 0).ToList());
            output.WriteLine($"Fashion-MNIST {name}: {trainCount} training images {height}x{width}, {epochs} epochs per side (the first a warm-up), " +
                             $"SGD eps 0.01 momentum 0.9, batch 100, {threads} threads per side, epochs interleaved");
            output.WriteLine($"Faces: TorchSharp {TorchEnvironment.TorchSharpVersion}, libtorch {TorchEnvironment.LibTorchVersion}; peer: PyTorch " +
                             $"{peer.Configuration.GetProperty("torch")} ({peer.Configuration.GetProperty("torch_threads")} thread(s))");
            output.WriteLine("Timed: one training epoch (shuffle, forward, backward, SGD step over every mini-batch); test accuracy after the last epoch, not timed.");
            output.WriteLine($"{"",-12} {"s/epoch median (min–max)",26} {"test accuracy",14}");
            output.WriteLine($"{"Faces.Torch",-12} {Spread(kept.Faces),26} {oursAccuracy,14:F4}");
            output.WriteLine($"{"PyTorch",-12} {Spread(kept.Peer),26} {peerAccuracy,14:F4}");
            output.WriteLine($"time ratio Faces / PyTorch: {Timing.Median(kept.Faces) / Timing.Median(kept.Peer):F2}x (below 1: Faces faster)");
            return true;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }
}
