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
            string script = Path.Combine(work, "peer.py");
            File.WriteAllText(script, PeerScript);
            string? stdout = PythonPeer.Run(output, script, new[] { folder, model.ToString().ToLowerInvariant(),
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

    /// <summary>The same networks in PyTorch: 'same' padding, ReLU, non-overlapping max-pools, study initialisation.</summary>
    private const string PeerScript = """
        import gzip, sys, time
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        folder, kind, epochs, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        torch.set_num_threads(threads)
        torch.manual_seed(1)

        def images(name):
            with gzip.open(f"{folder}/{name}", "rb") as f:
                data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
            return torch.from_numpy(data.astype(np.float32) / 255).reshape(-1, 28 * 28)

        def labels(name):
            with gzip.open(f"{folder}/{name}", "rb") as f:
                return torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64))

        x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
        tx, ty = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")

        class Mlp(nn.Module):
            def __init__(self):
                super().__init__()
                self.l1, self.l2, self.l3 = nn.Linear(784, 16), nn.Linear(16, 32), nn.Linear(32, 10)
                for layer, std in ((self.l1, 0.1), (self.l2, 0.1), (self.l3, 0.01)):
                    nn.init.normal_(layer.weight, 0, std); nn.init.zeros_(layer.bias)
            def forward(self, v):
                return self.l3(F.relu(self.l2(F.relu(self.l1(v)))))

        class Cnn(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1, self.c2 = nn.Conv2d(1, 8, 5, padding=2), nn.Conv2d(8, 16, 5, padding=2)
                self.fc = nn.Linear(16 * 4 * 4, 10)
                for layer, std in ((self.c1, 0.1), (self.c2, 0.1), (self.fc, 0.01)):
                    nn.init.normal_(layer.weight, 0, std); nn.init.zeros_(layer.bias)
            def forward(self, v):
                v = v.view(-1, 1, 28, 28)
                v = F.max_pool2d(F.relu(self.c1(v)), 3)
                v = F.max_pool2d(F.relu(self.c2(v)), 2)
                return self.fc(v.flatten(1))

        net = Cnn() if kind == "cnn" else Mlp()
        opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        times = []
        for epoch in range(epochs):
            start = time.perf_counter()
            net.train()
            order = torch.randperm(len(x))
            for i in range(0, len(x), 100):
                idx = order[i:i + 100]
                opt.zero_grad()
                F.cross_entropy(net(x[idx]), y[idx]).backward()
                opt.step()
            times.append(time.perf_counter() - start)
        net.eval()
        with torch.no_grad():
            accuracy = (net(tx).argmax(1) == ty).float().mean().item()
        print(f"{np.median(times[1:] if len(times) > 1 else times)} {accuracy} {torch.__version__}")
        """;
}
