using Faces.Pipelines.Training;
using System.CommandLine;
using Faces.Pipelines.Data;
using Faces.Pipelines.Reports;
using Microsoft.ML;

namespace Faces.Pipelines.Cli;

/// <summary><c>faces evaluate</c>: a saved model's metrics on every split of a dataset, optionally as a report.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var command = new Command("evaluate", "Evaluate a saved model .zip on a dataset's splits: accuracy, log-loss, per-class metrics, confusion matrix.");
        var model = CommonOptions.Model("The model .zip written by faces train or faces demo.");
        var data = CommonOptions.Data();
        var split = new Option<string>("--split") { Description = "train, valid, test or all.", DefaultValueFactory = _ => "all" };
        split.AcceptOnlyFromAmong("train", "valid", "test", "all");
        var report = new Option<DirectoryInfo?>("--report") { Description = "Also write a report (Markdown, HTML, PNG figures) to this folder." };
        var seed = CommonOptions.Seed();
        foreach (var option in new Option[] { model, data, split, report, seed }) command.Options.Add(option);
        command.SetAction(result =>
        {
            if (result.GetValue(report) is { } reportFolder) OutputPaths.CheckFolder(reportFolder.FullName, "--report");
            var ml = Scratch.NewContext(result.GetValue(seed));
            var file = result.GetValue(model)!;
            var transformer = ModelFiles.LoadClassifier(ml, file.FullName, out _);
            var dataset = Progress.Spin("Loading data", () => DataSources.Load(ml, result.GetValue(data)!, result.GetValue(seed)));
            string which = result.GetValue(split)!;
            var splits = Progress.Evaluate(file.Name, ml, transformer, dataset, dataset.Splits.Where(s => which == "all" || s.Name == which));
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
}
