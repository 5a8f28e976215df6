using Faces.Pipelines.Imaging;
using System.CommandLine;
using Faces.Cli.Commands;
using Faces.Pipelines.Data.Loaders;

// Not a terminal: tables as wide as they need (Spectre assumes 80 columns and cuts headers), no colour codes.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;

var root = new RootCommand("Faces: facial-expression classification with ML.NET and TorchSharp.");
var maxImagePixels = new Option<long>("--max-image-pixels")
{
    Description = "Refuse image files larger than this many pixels, read from their header before decoding (Pillow's default cap).",
    DefaultValueFactory = _ => ImageFiles.DefaultMaxPixels,
    Recursive = true,
};
maxImagePixels.Validators.Add(result =>
{
    if (result.GetValueOrDefault<long>() < 1) result.AddError("--max-image-pixels must be at least 1.");
});
root.Options.Add(maxImagePixels);
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(ExperimentCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(BenchmarkCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(ReproduceCommand.Create());
return CommandLineErrors.Run(root, args, parsed => ImageFiles.MaxPixels = parsed.GetValue(maxImagePixels));
