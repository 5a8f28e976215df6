using System.CommandLine;
using System.Text;
using Faces.Pipelines.Data;
using Faces.Cli.Experiments;
using Faces.Cli.Reports;

namespace Faces.Cli.Commands;

/// <summary>
/// <c>faces reproduce</c>: the study's sweeps and its mixture experiments in one run and one report, resumable: every
/// run's result is cached in the output folder.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var command = new Command("reproduce", "Run the study's sweeps (3.2–3.3) and mixture experiments (4.2–4.4) and write one report next to the study's numbers; resumes from its cache.");
        var data = CommonOptions.Data();
        var quick = new Option<bool>("--quick") { Description = "Small synthetic data and 1–3 epochs per run (what CI runs)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder (report, figures, cache).", DefaultValueFactory = _ => new DirectoryInfo("faces-out/reproduce") };
        var seed = CommonOptions.Seed();
        var seeds = new Option<int>("--seeds") { Description = "Train every point with this many consecutive seeds, so the readings compare differences with the run-to-run spread.", DefaultValueFactory = _ => 1 }.Within(1, 20);
        var sample = new Option<bool>("--tfd-size") { Description = "Cut each split to a stratified, seeded sample of TFD's sizes in the study (3,374 / 419 / 385), to compare at the study's scale." };
        var jobs = new Option<int>("--jobs") { Description = "Train this many runs at once, each with its share of the cores as its thread count (the study's small networks keep two cores only partly busy). " +
                                                             "The thread count is part of each run's settings: runs cached with another --jobs are trained again.", DefaultValueFactory = _ => 1 }.Within(1, 64);
        foreach (var option in new Option[] { data, quick, output, seed, seeds, sample, jobs }) command.Options.Add(option);
        command.SetAction(result =>
        {
            var (ml, dataset, isQuick, seedValue, folder) = StudyRun.Start(result, quick, seed, output, result.GetValue(data)!);
            if (result.GetValue(sample)) dataset = StratifiedSample.Of(dataset, StratifiedSample.TfdSizes, seedValue);
            int seedCount = result.GetValue(seeds), jobCount = result.GetValue(jobs);
            var sweeps = StudySweeps.All(isQuick, seedValue);
            int runs = sweeps.Sum(s => s.Points.Count) * seedCount, epochs = sweeps.Sum(s => s.Points.Sum(p => p.Settings.NetworkTraining.Epochs)) * seedCount;
            Console.WriteLine($"{runs} network runs, {epochs} epochs in all on {dataset.Train.Count} training images (cached runs are not repeated), " +
                              "then the mixture experiments 4.2–4.4.");
            var (pending, estimate) = Progress.Spin("Timing one epoch of each network", () => Reproduction.Estimate(ml, dataset, sweeps, folder, seedValue, seedCount, jobCount));
            Console.WriteLine(pending == 0
                ? "Every run is in the cache: nothing to train."
                : $"{pending} run(s) to train: about {Minutes(estimate)} on this machine (one epoch of each network timed and scaled by each run's epochs and size{(jobCount > 1 ? $"; {jobCount} at a time" : "")}), " +
                  "plus the mixture experiments.");
            var markdown = new StringBuilder($"# Faces: the study reproduced\n\nData: {dataset.Source}, {dataset.Shape} images, train {dataset.Train.Count} / " +
                                             $"valid {dataset.Validation.Count} / test {dataset.Test.Count}; seed {seedValue}{(seedCount > 1 ? $", {seedCount} training seeds per point" : "")}{(isQuick ? "; quick form" : "")}. " +
                                             "The study's settings and numbers: docs/study.md.\n\n");
            var (trained, reused) = Progress.Run("reproduce:", epochs, step => Reproduction.Execute(ml, dataset, sweeps, folder, markdown,
                run => Console.WriteLine($"run: {run}"), (point, epoch) => step($"{point}, epoch {epoch}"), seedCount, jobCount));
            Console.WriteLine($"{trained} run(s) trained, {reused} reused from {Path.Combine(folder, "cache")}.");
            MixtureDensityExperiment.Execute(ml, dataset, MixtureDensityExperiment.Settings.Study(isQuick) with { Seed = seedValue }, folder, markdown);
            MixtureClassifierExperiment.Execute(ml, dataset, MixtureClassifierExperiment.Settings.Study(isQuick) with { Seed = seedValue }, folder, markdown);
            string path = Path.Combine(folder, "reproduce.md");
            ReportWriter.WriteText(path, markdown.ToString());
            ReportWriter.WriteText(Path.ChangeExtension(path, ".html"), HtmlReport.FromMarkdown(markdown.ToString(), "Faces: the study reproduced"));
            Console.WriteLine($"Report: {path}");
            return 0;
        });
        return command;
    }

    private static string Minutes(TimeSpan t) => t.TotalMinutes >= 1 ? $"{t.TotalMinutes:F0} min" : $"{t.TotalSeconds:F0} s";
}
