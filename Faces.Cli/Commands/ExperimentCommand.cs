using System.CommandLine;
using System.Text;
using Faces.Pipelines.Data;
using Faces.Cli.Experiments;
using Faces.Cli.Reports;
using Microsoft.ML;

namespace Faces.Cli.Commands;

/// <summary><c>faces experiment</c>: the study's mixture-of-Gaussians experiments, with a quick form for CI.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var command = new Command("experiment", "Re-run the study's experiments and write experiments.md/.html with figures.");
        command.Subcommands.Add(Sub("mog-density", "Study 4.2/4.3: one MoG over all training images; random vs k-means, randConst 1/5/10/100.", _ => 1,
            (ml, data, quick, seed, folder, md, _) => MixtureDensityExperiment.Execute(ml, data, MixtureDensityExperiment.Settings.Study(quick) with { Seed = seed }, folder, md)));
        command.Subcommands.Add(Sub("mog-classes", "Study 4.4: anger vs happy, one MoG per class, error rates for K = 7..35.", _ => 1,
            (ml, data, quick, seed, folder, md, _) => MixtureClassifierExperiment.Execute(ml, data, MixtureClassifierExperiment.Settings.Study(quick) with { Seed = seed }, folder, md)));
        command.Subcommands.Add(Sub("networks", "Study 2/3: MLP and CNN with the study's default and best settings, learning curves, uncertain examples (long: use --quick for a look).",
            quick => NetworkExperiment.Study(quick).Sum(c => c.Settings.NetworkTraining.Epochs),
            (ml, data, quick, seed, folder, md, step) => NetworkExperiment.Execute(ml, data, NetworkExperiment.Study(quick, seed), folder, md,
                (name, epoch) => step($"{name}, epoch {epoch}"))));
        command.Subcommands.Add(Saliency());
        return command;
    }

    /// <summary>
    /// <c>faces experiment saliency</c>: the saliency methods against synthetic faces whose expression is in one region
    /// (they make their own data, so no --data).
    /// </summary>
    private static Command Saliency()
    {
        var command = new Command("saliency", "Do the saliency maps point at the expression? Synthetic faces with the expression in one region, a CNN trained on true and on shuffled labels.");
        var quick = new Option<bool>("--quick") { Description = "The mouth only (what CI runs)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", DefaultValueFactory = _ => new DirectoryInfo("faces-out/experiments") };
        var seed = CommonOptions.Seed();
        foreach (var option in new Option[] { quick, output, seed }) command.Options.Add(option);
        command.SetAction(result =>
        {
            bool isQuick = result.GetValue(quick);
            string folder = result.GetValue(output)!.FullName;
            Directory.CreateDirectory(folder);
            var markdown = new StringBuilder($"# Faces experiment: saliency\n\nSeed {result.GetValue(seed)}{(isQuick ? "; quick form" : "")}.\n\n");
            Progress.Run("saliency", isQuick ? 2 : 8, step => { SaliencyExperiment.Execute(isQuick, result.GetValue(seed), markdown, step); return 0; });
            string path = Path.Combine(folder, "saliency.md");
            ReportWriter.WriteText(path, markdown.ToString());
            ReportWriter.WriteText(Path.ChangeExtension(path, ".html"), HtmlReport.FromMarkdown(markdown.ToString(), "Faces experiment: saliency"));
            Console.WriteLine(markdown.ToString());
            Console.WriteLine($"Report: {path}");
            return 0;
        });
        return command;
    }

    /// <summary>A subcommand; <paramref name="steps"/> gives its progress bar's length for quick or full form, and the experiment reports each step.</summary>
    private static Command Sub(string name, string description, Func<bool, int> steps,
        Action<MLContext, FaceDataset, bool, int, string, StringBuilder, Action<string?>> run)
    {
        var command = new Command(name, description);
        var data = CommonOptions.Data();
        var quick = new Option<bool>("--quick") { Description = "Small synthetic data and fewer settings (what CI runs)." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", DefaultValueFactory = _ => new DirectoryInfo("faces-out/experiments") };
        var seed = CommonOptions.Seed();
        foreach (var option in new Option[] { data, quick, output, seed }) command.Options.Add(option);
        command.SetAction(result =>
        {
            var (ml, dataset, isQuick, seedValue, folder) = StudyRun.Start(result, quick, seed, output, result.GetValue(data)!);
            var markdown = new StringBuilder($"# Faces experiment: {name}\n\nData: {dataset.Source}, {dataset.Shape} images; seed {seedValue}{(isQuick ? "; quick form" : "")}.\n\n");
            Progress.Run(name, steps(isQuick), step => { run(ml, dataset, isQuick, seedValue, folder, markdown, step); return 0; });
            string path = Path.Combine(folder, $"{name}.md");
            ReportWriter.WriteText(path, markdown.ToString());
            ReportWriter.WriteText(Path.ChangeExtension(path, ".html"), HtmlReport.FromMarkdown(markdown.ToString(), $"Faces experiment: {name}"));
            Console.WriteLine(markdown.ToString());
            Console.WriteLine($"Report: {path}");
            return 0;
        });
        return command;
    }
}
