using System.Globalization;
using Faces.MLNet.Networks;
using Faces.Torch;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// Trains the real-face network (<see cref="ExpressionNetArchitecture"/>, its default widths unless told) with its own
/// recipe on FER2013-sized data — 28,709 random 48x48 rows by default: an epoch's work does not depend on what the pixels
/// show — in Faces and in PyTorch 1.13 (Debian's python3-torch) in the same run, epoch for epoch (interleaved): same
/// network, augmentation operations, optimiser, schedule, batch and thread count. Prints seconds per epoch and the ratio.
/// </summary>
internal static class RealFaceTrainingBenchmark
{
    public static bool Run(TextWriter output, int epochs, int rows, int threads, int[]? widths = null)
    {
        threads = threads > 0 ? threads : Environment.ProcessorCount;
        var architecture = new ExpressionNetArchitecture { Widths = widths ?? ExpressionNetDefaults.Widths };
        var recipe = ExpressionNetTrainer.Options.DefaultTraining with { Epochs = epochs, Threads = threads };
        var random = new Random(2);
        var pixels = new float[rows * architecture.InputSize];
        for (long i = 0; i < pixels.LongLength; i++) pixels[i] = (float)random.NextDouble();
        var labels = Enumerable.Range(0, rows).Select(_ => random.Next(7)).ToArray();
        using var train = LabeledTensors.FromArrays(pixels, labels, (int)architecture.InputSize, 7, "train");
        string work = Directory.CreateTempSubdirectory("faces-real-bench-").FullName;
        try
        {
            using var peer = PeerSession.Start(output, "real_peer.py", work, new[]
            {
                rows.ToString(CultureInfo.InvariantCulture), epochs.ToString(CultureInfo.InvariantCulture), threads.ToString(CultureInfo.InvariantCulture),
                string.Join(",", architecture.Widths), architecture.Hidden.ToString(CultureInfo.InvariantCulture), recipe.BatchSize.ToString(CultureInfo.InvariantCulture),
            }, "PyTorch", "python3-torch");
            if (peer == null) return false;
            var ours = new List<double>();
            var theirs = new List<double>();
            using var network = new NetworkTrainer(recipe).Train(architecture, train, progress: r =>
            {
                ours.Add(r.Seconds);
                theirs.Add(peer.Ask("epoch").GetProperty("seconds").GetDouble());
            });
            var kept = (Faces: ours.Skip(epochs > 1 ? 1 : 0).ToList(), Peer: theirs.Skip(epochs > 1 ? 1 : 0).ToList());
            string Spread(List<double> values) => Timing.Spread(values, v => v.ToString("F1", CultureInfo.InvariantCulture));
            output.WriteLine($"Real-face network [{string.Join(", ", architecture.Widths)}], FC {architecture.Hidden}: {architecture.ParameterCount:N0} parameters " +
                             $"(peer: {peer.Configuration.GetProperty("parameters")}); {rows} rows of 48x48, batch {recipe.BatchSize}, {epochs} epochs per side " +
                             $"(the first a warm-up when there are more), {threads} threads per side, epochs interleaved");
            output.WriteLine($"Faces: TorchSharp {TorchEnvironment.TorchSharpVersion}, libtorch {TorchEnvironment.LibTorchVersion}; peer: PyTorch " +
                             $"{peer.Configuration.GetProperty("torch")} ({peer.Configuration.GetProperty("torch_threads")} thread(s))");
            output.WriteLine("Timed: one training epoch (shuffle, augmentation, forward, backward, Nesterov SGD step and one-cycle step over every mini-batch).");
            output.WriteLine($"{"",-12} {"s/epoch median (min–max)",26}");
            output.WriteLine($"{"Faces",-12} {Spread(kept.Faces),26}");
            output.WriteLine($"{"PyTorch",-12} {Spread(kept.Peer),26}");
            output.WriteLine($"time ratio Faces / PyTorch: {Timing.Median(kept.Faces) / Timing.Median(kept.Peer):F2}x (below 1: Faces faster)");
            return true;
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }
}
