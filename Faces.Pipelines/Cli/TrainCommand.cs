using System.CommandLine;
using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data;
using Faces.Pipelines.Reports;
using Faces.Pipelines.Training;
using Faces.Torch.Training;
using Microsoft.ML;

namespace Faces.Pipelines.Cli;

/// <summary><c>faces train</c>: trains one model, saves it as an ML.NET .zip and prints its metrics.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var command = new Command("train", "Train a MoG-per-class, MLP or CNN model and save it as an ML.NET model .zip.");
        var model = new Option<ModelKind>("--model") { Description = "mog, mlp or cnn.", Required = true };
        var data = CommonOptions.Data();
        var output = new Option<FileInfo>("--out") { Description = "Where to write the model .zip.", DefaultValueFactory = _ => new FileInfo("model.zip") };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs (default: the study's, MLP 1000, CNN 30)." };
        var rate = new Option<double?>("--learning-rate") { Description = "Learning rate eps (default: the study's, MLP 0.01, CNN 0.1)." };
        var momentum = new Option<double>("--momentum") { Description = "Momentum.", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 100 };
        var patience = new Option<int>("--patience") { Description = "Early stopping after this many epochs without a lower validation CE (0: off).", DefaultValueFactory = _ => 0 };
        var optimizer = new Option<OptimizerKind>("--optimizer") { Description = "SgdMomentum or Adam.", DefaultValueFactory = _ => OptimizerKind.SgdMomentum };
        var filters = new Option<int[]>("--filters") { Description = "CNN filters of the two convolutions.", DefaultValueFactory = _ => new[] { 8, 16 }, AllowMultipleArgumentsPerToken = true };
        var hidden = new Option<int[]>("--hidden") { Description = "MLP hidden layer sizes.", DefaultValueFactory = _ => new[] { 16, 32 }, AllowMultipleArgumentsPerToken = true };
        var components = new Option<int>("--components") { Description = "MoG components per class.", DefaultValueFactory = _ => 7 };
        var iterations = new Option<int>("--iterations") { Description = "MoG EM iterations.", DefaultValueFactory = _ => 10 };
        var covariance = new Option<CovarianceType>("--covariance") { Description = "MoG covariance: Diagonal, Spherical, SharedFull, Full.", DefaultValueFactory = _ => CovarianceType.Diagonal };
        var init = new Option<MixtureInitialization>("--init") { Description = "MoG initialisation: Random (the study's) or KMeans.", DefaultValueFactory = _ => MixtureInitialization.Random };
        var normalize = new Option<Normalization>("--normalize") { Description = "None (pixels in [0, 1], the study's), Standardize (per pixel) or MinMax (global).", DefaultValueFactory = _ => Normalization.None };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Also write a report (Markdown, HTML, PNG figures) to this folder." };
        var seed = CommonOptions.Seed();
        var device = CommonOptions.Device();
        var threads = CommonOptions.Threads();
        foreach (var option in new Option[] { model, data, output, epochs, rate, momentum, batch, patience, optimizer, filters, hidden, components, iterations, covariance, init, normalize, report, seed, device, threads })
            command.Options.Add(option);

        command.SetAction(result =>
        {
            var f = result.GetValue(filters)!;
            if (f.Length != 2) throw new ArgumentException($"--filters takes two numbers (first and second convolution); got {f.Length}.");
            var settings = new TrainSettings
            {
                Model = result.GetValue(model), Epochs = result.GetValue(epochs), LearningRate = result.GetValue(rate), Momentum = result.GetValue(momentum),
                BatchSize = result.GetValue(batch), EarlyStoppingPatience = result.GetValue(patience), Optimizer = result.GetValue(optimizer),
                Filters1 = f[0], Filters2 = f[1], Hidden = result.GetValue(hidden)!, Components = result.GetValue(components),
                MogIterations = result.GetValue(iterations), Covariance = result.GetValue(covariance), MogInitialization = result.GetValue(init),
                Normalization = result.GetValue(normalize), Seed = result.GetValue(seed), Device = result.GetValue(device)!, Threads = result.GetValue(threads),
            };
            var path = result.GetValue(output)!.FullName;
            OutputPaths.CheckFile(path, "--out");
            if (result.GetValue(report) is { } reportFolder) OutputPaths.CheckFolder(reportFolder.FullName, "--report");
            var ml = Scratch.NewContext(settings.Seed);
            var dataset = Progress.Spin("Loading data", () => DataSources.Load(ml, result.GetValue(data)!, settings.Seed));
            Console.WriteLine($"Data: {dataset.Source}: {dataset.Shape} images, {dataset.ClassNames.Count} classes, train {dataset.Train.Count} / valid {dataset.Validation.Count} / test {dataset.Test.Count}.");
            var trained = Train(ml, dataset, settings);
            ModelFiles.Save(ml, trained.Model, trained.InputSchema, path);
            Console.WriteLine($"Saved {path}");
            var splits = Progress.Evaluate(settings.Model.ToString().ToUpperInvariant(), ml, trained.Model, dataset, dataset.Splits);
            var reports = new[] { new ModelReport(settings.Model.ToString().ToUpperInvariant(), splits, trained, path) };
            ComparisonTable.Print(reports);
            if (result.GetValue(report) is { } folder)
                Console.WriteLine($"Report: {ReportWriter.Write(folder.FullName, dataset, reports)}");
            return 0;
        });
        return command;
    }

    /// <summary>Trains with a progress bar: epochs for a network, one step per class for a mixture model.</summary>
    internal static TrainedModel Train(MLContext ml, FaceDataset dataset, TrainSettings settings)
    {
        var trainer = new FacesModelTrainer(ml);
        string name = settings.Model.ToString().ToUpperInvariant();
        if (settings.Model == ModelKind.Mog)
            return Progress.Run($"{name}: EM per class", 1, step => { var m = trainer.Train(dataset, settings); step(null); return m; });
        int epochs = settings.Epochs ?? (settings.Model == ModelKind.Mlp ? new Faces.MLNet.Networks.MlpTrainer.Options().Epochs : new Faces.MLNet.Networks.CnnTrainer.Options().Epochs);
        return Progress.Run($"{name}:", epochs, step => trainer.Train(dataset, settings, record => step(Progress.Epoch(record))));
    }
}
