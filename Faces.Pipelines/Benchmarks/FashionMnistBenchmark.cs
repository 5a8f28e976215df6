using System.Globalization;
using Faces.Pipelines.Data.Loaders;
using Faces.Torch;
using Faces.Torch.Convolution;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Faces.Pipelines.Training;

namespace Faces.Pipelines.Benchmarks;

/// <summary>
/// Trains the study's MLP or CNN (resized to 28x28 inputs, 10 classes) on Fashion-MNIST — Debian's
/// dataset-fashion-mnist, all 60,000 training images — with Faces.Torch and with PyTorch 1.13 (Debian's python3-torch)
/// in the same run: same architecture, initialisation scheme, SGD with momentum, batch size, epochs and thread count.
/// Prints seconds per epoch, the time ratio and both test accuracies.
/// </summary>
public static class FashionMnistBenchmark
{
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
        var seconds = new List<double>();
        using var network = new NetworkTrainer(options).Train(architecture, train, progress: r => seconds.Add(r.Seconds));
        double oursEpoch = Timing.Median(seconds.Skip(seconds.Count > 1 ? 1 : 0));
        double oursAccuracy = network.Evaluate(test).Accuracy;

        string name = model == ModelKind.Cnn ? $"CNN ({architecture.ParameterCount} parameters, {convolution} convolution)" : $"MLP ({architecture.ParameterCount} parameters)";
        output.WriteLine($"Fashion-MNIST {name}: {trainCount} training images {height}x{width}, {epochs} epochs, SGD eps 0.01 momentum 0.9, batch 100, {threads} threads");
        string work = Directory.CreateTempSubdirectory("faces-fashion-bench-").FullName;
        try
        {
            string? stdout = PythonPeer.Run(output, "fashion_peer.py", work, new[] { folder, model.ToString().ToLowerInvariant(),
                epochs.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture) }, "PyTorch", "python3-torch");
            if (stdout == null)
            {
                output.WriteLine($"Faces: {oursEpoch:F2} s/epoch, test accuracy {oursAccuracy:F4}");
                return false;
            }
            var peer = stdout.Trim().Split(' ').Take(2).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            output.WriteLine($"{"",-16} {"s/epoch",9} {"test accuracy",14}");
            output.WriteLine($"{"Faces.Torch",-16} {oursEpoch,9:F2} {oursAccuracy,14:F4}");
            output.WriteLine($"{"PyTorch " + stdout.Trim().Split(' ')[2],-16} {peer[0],9:F2} {peer[1],14:F4}");
            output.WriteLine($"time ratio Faces / PyTorch: {oursEpoch / peer[0]:F2}x (median epoch{(epochs > 1 ? " after the first" : "")})");
            return true;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }
}
