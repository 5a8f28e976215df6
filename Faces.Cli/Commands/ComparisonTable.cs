using System.Globalization;
using Faces.Cli.Reports;
using Spectre.Console;

namespace Faces.Cli.Commands;

/// <summary>Prints models' metrics side by side.</summary>
internal static class ComparisonTable
{
    public static void Print(IReadOnlyList<ModelReport> models)
    {
        var table = new Table().AddColumns("model", "split", "rows", "micro acc", "macro acc", "log-loss", "uncertain", "train s");
        foreach (var model in models)
        foreach (var s in model.Splits)
            table.AddRow(model.Name, s.Split, s.Count.ToString(CultureInfo.InvariantCulture), F(s.MicroAccuracy), F(s.MacroAccuracy), F(s.LogLoss),
                F(s.UncertainFraction), model.Trained?.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture) ?? "-");
        AnsiConsole.Write(table);
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
