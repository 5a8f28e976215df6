using System.Diagnostics;
using System.Globalization;
using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Numpy;
using Faces.Torch;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// Resident memory of CNN training, epoch by epoch, in Faces and in PyTorch: each side trains the study's default CNN
/// on the same synthetic faces (3,374 training and 419 validation images, exported for the peer) in a process of its
/// own, evaluates both splits after every epoch (the learning curve), and reports its RSS after each epoch and its peak
/// (VmHWM). Flat memory means the RSS at the last epoch is that of epoch 5.
/// </summary>
internal static class MemoryBenchmark
{
    /// <summary>The rows both sides train on.</summary>
    private static FaceDataset Data() => SyntheticFaces.Generate(new SyntheticFaces.Options());

    private static TrainingOptions Training(int epochs, int threads) =>
        TrainingOptions.ForCnn with { Epochs = epochs, Threads = threads, RecordTrainingMetrics = true };

    /// <summary>Runs both sides (each in its own process) and prints the table; false when the peer is missing.</summary>
    public static bool Run(TextWriter output, int epochs, int threads)
    {
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        string folder = Directory.CreateTempSubdirectory("faces-memory-bench-").FullName;
        try
        {
            var data = Data();
            NpyWriter.WriteFloat32(Path.Combine(folder, "train.npy"), new long[] { data.Train.Count, data.Train.Dimension }, data.Train.Features);
            NpyWriter.WriteFloat32(Path.Combine(folder, "train_labels.npy"), new long[] { data.Train.Count }, data.Train.Labels.Select(l => (float)l).ToArray());
            NpyWriter.WriteFloat32(Path.Combine(folder, "valid.npy"), new long[] { data.Validation.Count, data.Validation.Dimension }, data.Validation.Features);
            NpyWriter.WriteFloat32(Path.Combine(folder, "valid_labels.npy"), new long[] { data.Validation.Count }, data.Validation.Labels.Select(l => (float)l).ToArray());

            output.WriteLine($"faces benchmark memory: the study's default CNN, {data.Train.Count} training + {data.Validation.Count} validation synthetic faces, " +
                             $"{epochs} epochs, both splits evaluated after every epoch, {threads} thread(s) per side, each side in a fresh process");
            // This program again: through `dotnet faces.dll` or the `faces` executable, whichever is running.
            bool host = Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet";
            var faces = Child(output, Environment.ProcessPath!, (host ? new[] { typeof(MemoryBenchmark).Assembly.Location } : Array.Empty<string>())
                .Concat(new[] { "benchmark", "memory", "--child", "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) }), null);
            var options = Training(epochs, threads);
            var peer = Child(output, PythonPeer.Python, new[] { PythonPeer.WriteScript("memory_peer.py", folder), folder, epochs.ToString(CultureInfo.InvariantCulture),
                options.BatchSize.ToString(CultureInfo.InvariantCulture), options.LearningRate.ToString(CultureInfo.InvariantCulture),
                options.Momentum.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture) }, "python3-torch");
            if (faces == null || peer == null) return false;
            output.WriteLine($"Faces: TorchSharp {TorchEnvironment.TorchSharpVersion}, libtorch {TorchEnvironment.LibTorchVersion}; peer: PyTorch {peer.Value.Version}");
            output.WriteLine($"{"epoch",6} {"Faces RSS MB",13} {"PyTorch RSS MB",15} {"ratio",7}");
            foreach (int epoch in new[] { 1, 2, 5, 10, 20, 30, 40, 50, 60, epochs }.Where(e => e <= epochs).Distinct())
                output.WriteLine($"{epoch,6} {faces.Value.Rss[epoch - 1],13:F0} {peer.Value.Rss[epoch - 1],15:F0} {faces.Value.Rss[epoch - 1] / peer.Value.Rss[epoch - 1],6:F2}x");
            output.WriteLine($"{"peak",6} {faces.Value.Peak,13:F0} {peer.Value.Peak,15:F0} {faces.Value.Peak / peer.Value.Peak,6:F2}x");
            if (epochs >= 5)
                output.WriteLine($"growth from epoch 5 to {epochs}: Faces {faces.Value.Rss[^1] - faces.Value.Rss[4]:+0;-0} MB, PyTorch {peer.Value.Rss[^1] - peer.Value.Rss[4]:+0;-0} MB");
            return true;
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>The Faces side, run by <c>benchmark memory --child</c> in a fresh process: prints "epoch RSS" lines and the peak.</summary>
    public static void RunChild(TextWriter output, int epochs, int threads)
    {
        var data = Data();
        using var train = LabeledTensors.FromArrays(data.Train.Features, data.Train.Labels, data.Train.Dimension, data.ClassNames.Count, "train");
        using var valid = LabeledTensors.FromArrays(data.Validation.Features, data.Validation.Labels, data.Validation.Dimension, data.ClassNames.Count, "valid");
        using var network = new NetworkTrainer(Training(epochs, threads)).Train(new CnnArchitecture(), train, valid,
            record => output.WriteLine($"{record.Epoch} {Status("VmRSS").ToString("F1", CultureInfo.InvariantCulture)}"));
        output.WriteLine($"peak {Status("VmHWM").ToString("F1", CultureInfo.InvariantCulture)}");
        output.WriteLine("torch - -");
    }

    /// <summary>A field of /proc/self/status in MB.</summary>
    private static double Status(string field) =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(l => double.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).Single();

    private static (List<double> Rss, double Peak, string Version)? Child(TextWriter output, string program, IEnumerable<string> arguments, string? debianPackage)
    {
        if (!File.Exists(program))
        {
            output.WriteLine($"{program} not found{(debianPackage != null ? $" (apt-get install {debianPackage})" : "")}");
            return null;
        }
        using var process = Process.Start(PythonPeer.PeerStart(program, arguments))!;
        var errors = process.StandardError.ReadToEndAsync();
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            output.WriteLine($"{Path.GetFileName(program)} side failed{(debianPackage != null ? $" (apt-get install {debianPackage}?)" : "")}: " +
                             errors.Result.Trim().Split('\n').LastOrDefault());
            return null;
        }
        var rss = lines.Where(l => char.IsDigit(l[0])).Select(l => double.Parse(l.Split(' ')[1], CultureInfo.InvariantCulture)).ToList();
        double peak = double.Parse(lines.Single(l => l.StartsWith("peak ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        var torch = lines.Single(l => l.StartsWith("torch ", StringComparison.Ordinal)).Split(' ');
        return (rss, peak, $"{torch[1]} ({torch[2]} thread(s))");
    }
}
