using System.CommandLine;
using Faces.Cli.Benchmarks;

namespace Faces.Cli.Commands;

/// <summary><c>faces benchmark conv</c>: speed against a peer measured in the same run.</summary>
internal static class BenchmarkCommand
{
    // Bounds checked before anything runs: the rows are generated in memory (200,000 faces is 1.8 GB of pixels).
    private const int MaxRows = 200_000, MaxRounds = 1000, MaxEpochs = 10_000;

    public static Command Create()
    {
        var command = new Command("benchmark", "Benchmarks that print ratios against a peer measured in the same run.");
        var conv = new Command("conv", "Explicit-backward convolution vs TorchSharp's native conv2d: per layer and one CNN epoch.");
        var images = new Option<int>("--images") { Description = "Training images in the epoch case.", DefaultValueFactory = _ => 3374 }.Within(1, MaxRows);
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds for the epoch case.", DefaultValueFactory = _ => 3 }.Within(1, MaxRounds);
        var threads = CommonOptions.Threads();
        conv.Options.Add(images);
        conv.Options.Add(rounds);
        conv.Options.Add(threads);
        conv.SetAction(result =>
        {
            ConvolutionBenchmark.Run(Console.Out, result.GetValue(images), epochRounds: result.GetValue(rounds), threads: result.GetValue(threads));
            return 0;
        });
        command.Subcommands.Add(conv);
        var mog = new Command("mog", "Mixture-of-Gaussians-per-class fit vs scikit-learn's GaussianMixture (needs Debian's python3-sklearn).");
        var mogRounds = new Option<int>("--rounds") { Description = "Interleaved rounds (after one warm-up round).", DefaultValueFactory = _ => 5 }.Within(1, MaxRounds);
        mog.Options.Add(mogRounds);
        mog.SetAction(result => MixtureBenchmark.Run(Console.Out, rounds: result.GetValue(mogRounds)) ? 0 : 1);
        command.Subcommands.Add(mog);

        var fashion = new Command("fashion", "MLP or CNN training on Fashion-MNIST (Debian's dataset-fashion-mnist) vs PyTorch 1.13 (Debian's python3-torch).");
        var model = new Option<ModelKind>("--model") { Description = "mlp or cnn.", DefaultValueFactory = _ => ModelKind.Cnn };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per side, interleaved (the first is a warm-up when there are more).", DefaultValueFactory = _ => 6 }.Within(1, MaxEpochs);
        var fashionThreads = CommonOptions.Threads();
        var convolution = new Option<Faces.Torch.Convolution.ConvolutionKind>("--convolution") { Description = "Explicit or Native (CNN only).", DefaultValueFactory = _ => Faces.Torch.Convolution.ConvolutionKind.Explicit };
        fashion.Options.Add(model);
        fashion.Options.Add(epochs);
        fashion.Options.Add(fashionThreads);
        fashion.Options.Add(convolution);
        fashion.SetAction(result => FashionMnistBenchmark.Run(Console.Out, result.GetValue(model), result.GetValue(epochs), result.GetValue(fashionThreads),
            convolution: result.GetValue(convolution)) ? 0 : 1);
        command.Subcommands.Add(fashion);

        var real = new Command("real", "The real-face network's training epoch (its own recipe) vs the same network in PyTorch 1.13 (Debian's python3-torch).");
        var realEpochs = new Option<int>("--epochs") { Description = "Epochs per side, interleaved (the first is a warm-up when there are more).", DefaultValueFactory = _ => 3 }.Within(1, MaxEpochs);
        var realRows = new Option<int>("--rows") { Description = "Training rows (FER2013's training split has 28,709).", DefaultValueFactory = _ => 28_709 }.Within(1, 1_000_000);
        var realThreads = CommonOptions.Threads();
        var realWidths = CommonOptions.Widths();
        var realLowMemory = CommonOptions.LowMemory(); // as `faces train` trains
        foreach (var option in new Option[] { realEpochs, realRows, realThreads, realWidths, realLowMemory }) real.Options.Add(option);
        real.SetAction(result =>
        {
            CommonOptions.ApplyLowMemory(result, realLowMemory, Console.Out);
            return RealFaceTrainingBenchmark.Run(Console.Out, result.GetValue(realEpochs), result.GetValue(realRows), result.GetValue(realThreads),
                result.GetValue(realWidths) is { Length: > 0 } widths ? widths : null) ? 0 : 1;
        });
        command.Subcommands.Add(real);

        var detect = new Command("detect", "Face detection vs OpenCV's own from Python (Debian's python3-opencv); with --model, photo → expressions latency.");
        var photo = new Option<FileInfo>("--photo") { Description = "A photograph (for example Faces.Tests/Data/photos/astronaut.png).", Required = true };
        var detectModel = new Option<FileInfo?>("--model") { Description = "A Faces model .zip, to time photo → expressions too." };
        var detectRounds = new Option<int>("--rounds") { Description = "Interleaved rounds.", DefaultValueFactory = _ => 5 }.Within(1, MaxRounds);
        detect.Options.Add(photo);
        detect.Options.Add(detectModel);
        detect.Options.Add(detectRounds);
        var detectThreads = CommonOptions.Threads();
        detect.Options.Add(detectThreads);
        var detectDetection = new DetectionArguments();
        foreach (var option in detectDetection.All) detect.Options.Add(option);
        detect.SetAction(result =>
        {
            Faces.Torch.TorchEnvironment.SetThreads(result.GetValue(detectThreads)); // scoring's libtorch threads (1: the one-core figure)
            return DetectionBenchmark.Run(Console.Out, result.GetValue(photo)!.FullName, result.GetValue(detectModel)?.FullName, detectDetection.Read(result),
                result.GetValue(detectRounds)) ? 0 : 1;
        });
        command.Subcommands.Add(detect);

        var serve = new Command("serve", "faces serve under 1, 8 and 32 concurrent clients on loopback: requests/s, p50/p99, errors, RSS; the in-process ceiling.");
        var serveModel = new Option<FileInfo>("--model") { Description = "The model .zip to serve.", Required = true };
        var servePhoto = new Option<FileInfo>("--photo") { Description = "A photograph (resized to 640x480 for the run).", Required = true };
        var serveSeconds = new Option<int>("--seconds") { Description = "Seconds per client count.", DefaultValueFactory = _ => 5 }.Within(1, 3600);
        var clients = new Option<int[]>("--clients") { Description = "Client counts.", DefaultValueFactory = _ => new[] { 1, 8, 32 }, AllowMultipleArgumentsPerToken = true }.Within(1, 1024);
        var serveDetection = new DetectionArguments();
        foreach (var option in new Option[] { serveModel, servePhoto, serveSeconds, clients }.Concat(serveDetection.All)) serve.Options.Add(option);
        serve.SetAction(result => ServeBenchmark.Run(Console.Out, result.GetValue(serveModel)!.FullName, result.GetValue(servePhoto)!.FullName,
            result.GetValue(serveSeconds), result.GetValue(clients)!, serveDetection.Read(result)) ? 0 : 1);
        command.Subcommands.Add(serve);

        var live = new Command("live", "faces serve's live stream (/api/live) with 1 and 4 viewers on loopback: frames/s, frame-to-answer p50/p99, drops, RSS over time.");
        var liveModel = new Option<FileInfo?>("--model") { Description = "The model .zip to serve (default: the shipped real-face model)." };
        var livePhoto = new Option<FileInfo>("--photo") { Description = "A photograph (resized to 640x480, streamed as every frame).", Required = true };
        var liveSeconds = new Option<int>("--seconds") { Description = "Seconds per viewer count.", DefaultValueFactory = _ => 30 }.Within(1, 3600);
        var viewers = new Option<int[]>("--viewers") { Description = "Viewer counts.", DefaultValueFactory = _ => new[] { 1, 4 }, AllowMultipleArgumentsPerToken = true }.Within(1, 64);
        var liveDetection = new DetectionArguments();
        foreach (var option in new Option[] { liveModel, livePhoto, liveSeconds, viewers }.Concat(liveDetection.All)) live.Options.Add(option);
        live.SetAction(result => LiveBenchmark.Run(Console.Out, result.GetValue(liveModel)?.FullName ?? DefaultModel.Path, result.GetValue(livePhoto)!.FullName,
            result.GetValue(liveSeconds), result.GetValue(viewers)!, liveDetection.Read(result)) ? 0 : 1);
        command.Subcommands.Add(live);

        var explain = new Command("explain", "Saliency maps (what faces predict --explain draws) against scoring the same face: ms per face, p50/p99.");
        var explainModels = new Option<FileInfo[]>("--model") { Description = "Network models .zip (repeat; default: the shipped real-face model).", AllowMultipleArgumentsPerToken = true };
        var explainPhoto = new Option<FileInfo>("--photo") { Description = "A photograph with a face.", Required = true };
        var explainRounds = new Option<int>("--rounds") { Description = "Calls of each, interleaved.", DefaultValueFactory = _ => 200 }.Within(1, 100_000);
        var explainThreads = CommonOptions.Threads();
        foreach (var option in new Option[] { explainModels, explainPhoto, explainRounds, explainThreads }) explain.Options.Add(option);
        explain.SetAction(result =>
        {
            Faces.Torch.TorchEnvironment.SetThreads(result.GetValue(explainThreads));
            var paths = result.GetValue(explainModels) is { Length: > 0 } given ? given.Select(f => f.FullName).ToList() : new List<string> { DefaultModel.Path };
            return ExplainBenchmark.Run(Console.Out, paths, result.GetValue(explainPhoto)!.FullName, result.GetValue(explainRounds)) ? 0 : 1;
        });
        command.Subcommands.Add(explain);

        var score = new Command("score", "CNN, MLP and MoG scoring through ML.NET (Transform, PredictionEngine) vs PyTorch and scikit-learn on the same weights.");
        var scoreRows = new Option<int>("--rows") { Description = "Rows scored per round.", DefaultValueFactory = _ => 4000 }.Within(1, MaxRows);
        var scoreRounds = new Option<int>("--rounds") { Description = "Interleaved rounds (after one warm-up round).", DefaultValueFactory = _ => 5 }.Within(1, MaxRounds);
        var latencyRows = new Option<int>("--latency-rows") { Description = "Single-row calls per round for latency (at most --rows).", DefaultValueFactory = _ => 500 }.Within(1, MaxRows);
        var scoreThreads = CommonOptions.Threads();
        foreach (var option in new Option[] { scoreRows, scoreRounds, latencyRows, scoreThreads }) score.Options.Add(option);
        score.SetAction(result => ScoreBenchmark.Run(Console.Out, result.GetValue(scoreRows), result.GetValue(scoreRounds), result.GetValue(latencyRows),
            result.GetValue(scoreThreads)) ? 0 : 1);
        command.Subcommands.Add(score);

        var memory = new Command("memory", "Resident memory of CNN training epoch by epoch (and its peak), Faces vs PyTorch, each in a fresh process.");
        var memoryEpochs = new Option<int>("--epochs") { Description = "Epochs per side.", DefaultValueFactory = _ => 60 }.Within(1, MaxEpochs);
        var memoryThreads = CommonOptions.Threads();
        var child = new Option<bool>("--child") { Description = "Internal: run the Faces side and print its RSS per epoch.", Hidden = true };
        foreach (var option in new Option[] { memoryEpochs, memoryThreads, child }) memory.Options.Add(option);
        memory.SetAction(result =>
        {
            if (result.GetValue(child))
            {
                MemoryBenchmark.RunChild(Console.Out, result.GetValue(memoryEpochs), result.GetValue(memoryThreads));
                return 0;
            }
            return MemoryBenchmark.Run(Console.Out, result.GetValue(memoryEpochs), result.GetValue(memoryThreads)) ? 0 : 1;
        });
        command.Subcommands.Add(memory);
        return command;
    }
}
