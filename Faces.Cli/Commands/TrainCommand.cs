using System.CommandLine;
using System.Globalization;
using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data;
using Faces.Cli.Reports;
using Faces.Pipelines.Training;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Cli.Commands;

/// <summary><c>faces train</c>: trains one model, saves it as an ML.NET .zip and prints its metrics.</summary>
internal static class TrainCommand
{
    /// <summary>The options; every default is the library's (<see cref="TrainingDefaults"/>, <see cref="MlpDefaults"/>, <see cref="CnnDefaults"/>, <see cref="MixtureDefaults"/>).</summary>
    private sealed class Options
    {
        public readonly Option<ModelKind> Model = new("--model") { Description = "mog, mlp or cnn.", Required = true };
        public readonly Option<string> Data = CommonOptions.Data();
        public readonly Option<FileInfo> Output = new("--out") { Description = "Where to write the model .zip.", DefaultValueFactory = _ => new FileInfo("model.zip") };
        public readonly Option<int?> Epochs = new("--epochs") { Description = $"Epochs (default: the study's, MLP {MlpDefaults.Epochs}, CNN {CnnDefaults.Epochs})." };
        public readonly Option<double?> LearningRate = new("--learning-rate") { Description = $"Learning rate eps (default: the study's, MLP {MlpDefaults.LearningRate}, CNN {CnnDefaults.LearningRate})." };
        public readonly Option<double> Momentum = new("--momentum") { Description = "Momentum.", DefaultValueFactory = _ => TrainingDefaults.Momentum };
        public readonly Option<int> BatchSize = new("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => TrainingDefaults.BatchSize };
        public readonly Option<int> Patience = new("--patience") { Description = "Early stopping after this many epochs without a lower validation CE (0: off).", DefaultValueFactory = _ => TrainingDefaults.EarlyStoppingPatience };
        public readonly Option<OptimizerKind> Optimizer = new("--optimizer") { Description = "SgdMomentum or Adam.", DefaultValueFactory = _ => TrainingDefaults.Optimizer };
        public readonly Option<int[]> Filters = new("--filters") { Description = "CNN filters of the two convolutions.", DefaultValueFactory = _ => new[] { CnnDefaults.Filters1, CnnDefaults.Filters2 }, AllowMultipleArgumentsPerToken = true };
        public readonly Option<int[]> Widths = CommonOptions.Widths();
        public readonly Option<int[]> Hidden = new("--hidden") { Description = "MLP hidden layer sizes.", DefaultValueFactory = _ => MlpDefaults.Hidden, AllowMultipleArgumentsPerToken = true };
        public readonly Option<int> Components = new("--components") { Description = "MoG components per class.", DefaultValueFactory = _ => MixtureDefaults.Components };
        public readonly Option<int> Iterations = new("--iterations") { Description = "MoG EM iterations at most.", DefaultValueFactory = _ => MixtureDefaults.MaxIterations };
        public readonly Option<double> Tolerance = new("--tolerance") { Description = "MoG: stop EM when the log-likelihood per row changes by less than this fraction (0: run every iteration).", DefaultValueFactory = _ => MixtureDefaults.Tolerance };
        public readonly Option<double> VarianceFloor = new("--variance-floor") { Description = "MoG: the study's minVary, the smallest variance after each M-step.", DefaultValueFactory = _ => MixtureDefaults.VarianceFloor };
        public readonly Option<double> RegCovar = new("--reg-covar") { Description = "MoG: added to every variance in each M-step (scikit-learn's reg_covar).", DefaultValueFactory = _ => MixtureDefaults.RegCovar };
        public readonly Option<CovarianceType> Covariance = new("--covariance") { Description = "MoG covariance: Diagonal, Spherical, SharedFull, Full.", DefaultValueFactory = _ => MixtureDefaults.CovarianceType };
        public readonly Option<MixtureInitialization> Initialization = new("--init") { Description = "MoG initialisation: Random (the study's) or KMeans.", DefaultValueFactory = _ => MixtureDefaults.Initialization };
        public readonly Option<Normalization> Normalize = new("--normalize") { Description = "None (pixels in [0, 1], the study's), Standardize (per pixel) or MinMax (global).", DefaultValueFactory = _ => Normalization.None };
        public readonly Option<DirectoryInfo?> Report = new("--report") { Description = "Also write a report (Markdown, HTML, PNG figures) to this folder." };
        public readonly Option<TrainingPreset> Preset = new("--preset") { Description = "study: the study's default settings (the defaults). best: the study's best — " +
            $"CNN eps {CnnDefaults.BestLearningRate}, momentum {CnnDefaults.BestMomentum}, {CnnDefaults.BestFilters1}/{CnnDefaults.BestFilters2} filters, " +
            $"{CnnDefaults.BestEpochs} epochs with early stopping; MLP eps {MlpDefaults.BestLearningRate}; MoG k-means initialisation. real (with --model cnn): the real-face network (VGG-style, batch norm, flip averaging) with augmentation, Nesterov momentum, a one-cycle schedule and label smoothing. " +
            $"fast (with --model cnn): the same recipe with widths {string.Join("/", ExpressionNetDefaults.FastWidths)} for {ExpressionNetDefaults.FastEpochs} epochs, under half an hour on two cores. " +
            "Options given explicitly win.", DefaultValueFactory = _ => TrainingPreset.Study };
        public readonly Option<bool> TrainOnValid = new("--train-on-valid") { Description = "Train on the train and valid splits together, once the settings were chosen on valid: no validation curve, no early stopping (give --patience 0 where the preset has it)." };
        public readonly SplitArguments Split = new();
        public readonly Option<bool> DetectFaces = new("--detect-faces") { Description = "Image folders: crop the largest face of each photo (Haar cascade) instead of taking the whole image; photos without a face are left out." };
        public readonly DetectionArguments Detection = new();
        public readonly Option<int> Seed = new("--seed") { Description = "Training seed: initialisation and shuffling (the split has --split-seed).", DefaultValueFactory = _ => TrainingDefaults.Seed };
        public readonly Option<string> Device = CommonOptions.Device();
        public readonly Option<int> Threads = CommonOptions.Threads();
        public readonly Option<bool> LowMemory = CommonOptions.LowMemory();

        public IEnumerable<Option> All => new Option[]
        {
            Model, Data, Output, Preset, Epochs, LearningRate, Momentum, BatchSize, Patience, Optimizer, Filters, Widths, Hidden, Components, Iterations,
            Tolerance, VarianceFloor, RegCovar, Covariance, Initialization, Normalize, Report, Seed, Split.Seed, Split.GroupBy, Split.Groups, Device, Threads,
            DetectFaces, LowMemory, TrainOnValid,
        }.Concat(Detection.All);
    }

    public static Command Create() => Build().Command;

    private static (Command Command, Options Options) Build()
    {
        var command = new Command("train", "Train a MoG-per-class, MLP or CNN model and save it as an ML.NET model .zip.");
        var o = new Options();
        foreach (var option in o.All) command.Options.Add(option);
        command.SetAction(result => Run(result, o));
        return (command, o);
    }

    /// <summary>The settings a <c>faces train</c> command line asks for (the arguments after "train"), without training.</summary>
    internal static TrainSettings ParseSettings(params string[] args)
    {
        var (command, o) = Build();
        var result = command.Parse(args);
        if (result.Errors.Count > 0) throw new ArgumentException(result.Errors[0].Message);
        return Settings(result, o);
    }

    /// <summary>The preset's settings (<see cref="TrainingPresets"/>), with every option given on the command line winning.</summary>
    private static TrainSettings Settings(ParseResult result, Options o)
    {
        var kind = result.GetValue(o.Model);
        var preset = TrainingPresets.For(result.GetValue(o.Preset), kind);
        T Given<T>(Option<T> option, T presetValue) => result.GetResult(option) is { Implicit: false } ? result.GetValue(option)! : presetValue;
        var training = preset.NetworkTraining;
        var mixture = preset.Mixture;
        if (result.GetResult(o.Widths) is { Implicit: false } && preset.Architecture is not ExpressionNetArchitecture)
            throw new ArgumentException("--widths sets the real-face network's blocks: give --preset real or fast.");
        var optimizer = Given(o.Optimizer, training.Optimizer);
        var momentum = Given(o.Momentum, training.Momentum);
        var settings = preset with
        {
            Normalization = Given(o.Normalize, preset.Normalization),
            TrainOnValidation = Given(o.TrainOnValid, preset.TrainOnValidation),
            Mixture = mixture with
            {
                Components = Given(o.Components, mixture.Components), MaxIterations = Given(o.Iterations, mixture.MaxIterations),
                Tolerance = Given(o.Tolerance, mixture.Tolerance), VarianceFloor = Given(o.VarianceFloor, mixture.VarianceFloor),
                RegCovar = Given(o.RegCovar, mixture.RegCovar), CovarianceType = Given(o.Covariance, mixture.CovarianceType),
                Initialization = Given(o.Initialization, mixture.Initialization), Seed = result.GetValue(o.Seed),
            },
            Training = training with
            {
                Epochs = Given(o.Epochs, null) ?? training.Epochs,
                LearningRate = Given(o.LearningRate, null) ?? training.LearningRate,
                Momentum = momentum,
                BatchSize = Given(o.BatchSize, training.BatchSize),
                EarlyStoppingPatience = Given(o.Patience, training.EarlyStoppingPatience),
                Optimizer = optimizer,
                // Nesterov's look-ahead belongs to SGD with momentum (the real-face recipe uses it).
                Nesterov = training.Nesterov && optimizer == OptimizerKind.SgdMomentum && momentum > 0,
                Seed = result.GetValue(o.Seed), Device = result.GetValue(o.Device)!, Threads = result.GetValue(o.Threads),
            },
            Architecture = preset.Architecture switch
            {
                MlpArchitecture mlp => mlp with { Hidden = Given(o.Hidden, mlp.Hidden) },
                CnnArchitecture cnn => Filters(cnn, Given(o.Filters, new[] { cnn.Filters1, cnn.Filters2 })),
                ExpressionNetArchitecture net => net with { Widths = Given(o.Widths, net.Widths) },
                var network => network,
            },
        };
        if (settings.EarlyStoppingWithoutValidation)
            throw new ArgumentException($"--train-on-valid leaves no validation curve for early stopping: give --patience 0 (the settings have {settings.NetworkTraining.EarlyStoppingPatience}).");
        return settings;
    }

    private static CnnArchitecture Filters(CnnArchitecture cnn, int[] filters) => filters.Length == 2
        ? cnn with { Filters1 = filters[0], Filters2 = filters[1] }
        : throw new ArgumentException($"--filters takes two numbers (first and second convolution); got {filters.Length}.");

    /// <summary>This process's command line as a user types it: <c>faces</c> and its arguments, quoted where needed.</summary>
    private static string CommandLine() =>
        string.Join(' ', new[] { "faces" }.Concat(Environment.GetCommandLineArgs().Skip(1)
            .Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'")));

    private static int Run(ParseResult result, Options o)
    {
        var wall = System.Diagnostics.Stopwatch.StartNew();
        CommonOptions.ApplyLowMemory(result, o.LowMemory, Console.Out);
        var settings = Settings(result, o);
        var split = o.Split.Read(result);
        var path = result.GetValue(o.Output)!.FullName;
        OutputPaths.CheckFile(path, "--out");
        if (result.GetValue(o.Report) is { } reportFolder) OutputPaths.CheckFolder(reportFolder.FullName, "--report");
        var ml = Scratch.NewContext(settings.Seed);
        using var detector = result.GetValue(o.DetectFaces) ? new FaceDetector(o.Detection.Read(result)) : null;
        var dataset = Load(ml, result.GetValue(o.Data)!, split, detector, settings.TrainOnValidation);
        if (settings.TrainOnValidation)
        {
            // The training rows as loaded are garbage now (their rows live on in the merged split): give their memory back before training.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Console.WriteLine($"Training on train and valid together: {dataset.Train.Count} rows; valid is no longer held out.");
        }
        var trained = ModelTraining.Train(ml, dataset, settings);
        if (ModelTraining.Outcome(settings, trained) is { } outcome) Console.WriteLine(outcome);
        string name = settings.Model.ToString().ToUpperInvariant();
        var splits = Progress.Evaluate(name, ml, trained.Model, dataset, dataset.Splits);
        ModelFiles.Save(ml, trained.Model, trained.InputSchema, path, ModelProvenance.Create(dataset, split, settings, trained, splits) with { Command = CommandLine() });
        Console.WriteLine($"Saved {path}");
        if (dataset.Manifest is { } manifest)
        {
            string manifestPath = Path.ChangeExtension(path, ".split.csv");
            ReportWriter.WriteText(manifestPath, manifest.ToCsv());
            Console.WriteLine($"Split manifest: {manifestPath}");
        }
        var reports = new[] { new ModelReport(name, splits, trained, path) };
        ComparisonTable.Print(reports);
        if (result.GetValue(o.Report) is { } folder)
            Console.WriteLine($"Report: {ReportWriter.Write(folder.FullName, dataset, reports)}");
        Console.WriteLine($"Wall time: {WallTime(wall.Elapsed)} (loading, training, evaluating, saving).");
        return 0;
    }

    /// <summary>
    /// Loads the data and prints what it is; with <paramref name="mergeValidation"/>, returns it with the validation rows
    /// in the training split. A method of its own so that no frame of the caller's keeps the dataset as loaded alive.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static FaceDataset Load(Microsoft.ML.MLContext ml, string data, SplitOptions split, FaceDetector? detector, bool mergeValidation)
    {
        var dataset = Progress.Spin("Loading data", () => DataSources.Load(ml, data, split, faces: detector));
        Console.WriteLine($"Data: {dataset.Source}: {dataset.Shape} images, {dataset.ClassNames.Count} classes, train {dataset.Train.Count} / valid {dataset.Validation.Count} / test {dataset.Test.Count}.");
        Console.WriteLine($"Split: {dataset.SplitMethod}.");
        foreach (var warning in dataset.Warnings) Console.WriteLine($"warning: {warning}");
        return mergeValidation ? dataset.WithValidationInTraining() : dataset;
    }

    /// <summary>A duration as people read it: <c>1 h 39 min 26 s</c>, <c>4 min 5 s</c>, <c>12.3 s</c>.</summary>
    internal static string WallTime(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes} min {t.Seconds} s"
        : t.TotalMinutes >= 1 ? $"{t.Minutes} min {t.Seconds} s"
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s");
}
