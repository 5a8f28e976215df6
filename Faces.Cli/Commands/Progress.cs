using Faces.Torch.Training;
using Spectre.Console;

namespace Faces.Cli.Commands;

/// <summary>Spectre.Console progress bars for work that takes more than a second.</summary>
internal static class Progress
{
    /// <summary>Runs <paramref name="work"/> with a bar of <paramref name="total"/> steps; the work reports each finished step.</summary>
    public static T Run<T>(string description, int total, Func<Action<string?>, T> work)
    {
        if (Console.IsOutputRedirected)
        {
            // Not a terminal (a log, a pipe, CI): one whole line per step instead of a redrawn bar.
            int done = 0;
            return work(status =>
            {
                done++;
                Console.WriteLine($"{description.TrimEnd(':')}: {status ?? $"{done}/{total}"}");
            });
        }
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(1, total));
                result = work(status =>
                {
                    task.Increment(1);
                    if (status != null) task.Description = Markup.Escape($"{description} {status}");
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>A short epoch status for a bar's description.</summary>
    public static string Epoch(EpochRecord r, int? total = null) =>
        $"epoch {r.Epoch}{(total is { } t ? $"/{t}" : "")}" + (r.TrainCrossEntropy is { } tce ? $", train CE {tce:F3}" : "") + (r.ValidationAccuracy is { } a ? $", valid acc {a:F3}" : "") + (r.ValidationCrossEntropy is { } ce ? $", valid CE {ce:F3}" : "");

    /// <summary>A spinner while <paramref name="work"/> runs (loading or generating data).</summary>
    public static T Spin<T>(string description, Func<T> work)
    {
        if (!Console.IsOutputRedirected) return AnsiConsole.Status().Start(Markup.Escape(description), _ => work());
        Console.WriteLine($"{description}…");
        return work();
    }

    /// <summary>Evaluates each split with a bar: scoring runs the model row by row.</summary>
    public static List<SplitMetrics> Evaluate(string name, Microsoft.ML.MLContext ml, Microsoft.ML.ITransformer model,
        FaceDataset dataset, IEnumerable<FaceSplit> splits)
    {
        var list = splits.ToList();
        return Run($"{name}: evaluating", list.Count, step => list.Select(s =>
        {
            var metrics = ModelEvaluator.Evaluate(ml, model, dataset, s);
            step(s.Name);
            return metrics;
        }).ToList());
    }
}
