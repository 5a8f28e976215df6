using Faces.Pipelines.Detection;
using System.CommandLine;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Cli.Reports;
using Faces.Pipelines.Training;

namespace Faces.Cli.Commands;

/// <summary>
/// <c>faces evaluate</c>: a saved model's metrics on the splits of a dataset the user names. It splits the data the
/// way the model's own data was split (its provenance), and says plainly when the rows are the model's training rows
/// or when the data is not the model's.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var command = new Command("evaluate", "Evaluate a saved model .zip on a dataset's splits: accuracy, log-loss, per-class metrics, confusion matrix.");
        var model = CommonOptions.Model("The model .zip written by faces train or faces demo.");
        var data = CommonOptions.Data();
        data.Required = true;
        data.DefaultValueFactory = null;
        var split = new Option<string>("--split") { Description = "train, valid, test or all.", DefaultValueFactory = _ => "all" };
        split.AcceptOnlyFromAmong("train", "valid", "test", "all");
        var report = new Option<DirectoryInfo?>("--report") { Description = "Also write a report (Markdown, HTML, PNG figures) to this folder." };
        var splitArguments = new SplitArguments();
        var detectFaces = new Option<bool>("--detect-faces") { Description = "Image folders: crop the largest face of each photo, as faces train --detect-faces did." };
        var detection = new DetectionArguments();
        foreach (var option in new Option[] { model, data, split, report, detectFaces }.Concat(splitArguments.All).Concat(detection.All)) command.Options.Add(option);
        command.SetAction(result =>
        {
            if (result.GetValue(report) is { } reportFolder) OutputPaths.CheckFolder(reportFolder.FullName, "--report");
            var file = result.GetValue(model)!;
            var ml = Scratch.NewContext(1);
            var transformer = ModelFiles.LoadClassifier(ml, file.FullName, out _);
            var provenance = ModelProvenance.Read(file.FullName);
            if (provenance != null)
                foreach (var line in provenance.Describe().Take(4)) Console.WriteLine(line);
            else
                Console.WriteLine($"{file.Name} has no provenance (saved by ML.NET directly or by an older Faces): its training data cannot be compared.");
            using var detector = result.GetValue(detectFaces) ? new FaceDetector(detection.Read(result)) : null;
            var dataset = Progress.Spin("Loading data", () => DataSources.Load(ml, result.GetValue(data)!, splitArguments.Read(result, provenance?.Split), faces: detector));
            Console.WriteLine($"Evaluating on {dataset.Source} (fingerprint {DataFingerprint.Short(DataFingerprint.Of(dataset))}); split {dataset.SplitMethod}.");
            string which = result.GetValue(split)!;
            var chosen = dataset.Splits.Where(s => which == "all" || s.Name == which).ToList();
            foreach (var line in Compare(provenance, dataset, chosen)) Console.WriteLine(line);
            var splits = Progress.Evaluate(file.Name, ml, transformer, dataset, chosen);
            var reports = new[] { new ModelReport(Path.GetFileNameWithoutExtension(file.Name), splits, ModelPath: file.FullName) };
            ComparisonTable.Print(reports);
            foreach (var s in splits)
                Console.WriteLine($"{s.Split}:\n{s.ConfusionTable}");
            if (result.GetValue(report) is { } folder)
                Console.WriteLine($"Report: {ReportWriter.Write(folder.FullName, dataset, reports)}");
            return 0;
        });
        return command;
    }

    /// <summary>What the user must know before reading the numbers: training rows, or data that is not the model's.</summary>
    internal static IEnumerable<string> Compare(ModelProvenance? provenance, FaceDataset data, IEnumerable<FaceSplit> evaluated)
    {
        if (provenance == null) yield break;
        string fingerprint = DataFingerprint.Of(data);
        if (fingerprint == provenance.DataFingerprint)
            yield return "Same data and split as the model's training (fingerprints match).";
        else
            yield return $"note: this data is not the model's training data (fingerprint {DataFingerprint.Short(fingerprint)}; the model's: " +
                         $"{DataFingerprint.Short(provenance.DataFingerprint)}): different files, classes or split.";
        var trainedOn = provenance.SplitFingerprints.Where(p => p.Key == "train" || provenance.TrainedOnValidation && p.Key == "valid")
            .Select(p => p.Value).ToHashSet();
        foreach (var split in evaluated)
            if (trainedOn.Contains(DataFingerprint.Of(split)))
                yield return $"note: the {split.Name} rows are the rows the model was trained on: their metrics do not measure how it does on new faces.";
    }
}
