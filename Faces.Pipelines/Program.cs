using System.CommandLine;
using Faces.Pipelines.Cli;

var root = new RootCommand("Faces: facial-expression classification with ML.NET and TorchSharp.");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(EvaluateCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(ExperimentCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(BenchmarkCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
return CommandLineErrors.Run(root, args);
