using System.Globalization;
using System.Text;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data;
using Faces.Cli.Reports;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Cli.Experiments;

/// <summary>
/// The study's experiment 4.4: two classes (anger and happy by default), one mixture per class for each K, class
/// prior = training frequency, prediction = the larger log p(x | class) + log prior; error rates on train, valid and
/// test against K.
/// </summary>
internal static class MixtureClassifierExperiment
{
    public sealed record Settings
    {
        public int[] Classes { get; init; } = { 0, 3 };
        public int[] Components { get; init; } = { 7, 14, 21, 28, 35 };
        public int Iterations { get; init; } = MixtureDefaults.MaxIterations;
        public double VarianceFloor { get; init; } = MixtureDefaults.VarianceFloor;
        public double RandConst { get; init; } = MixtureDefaults.RandConst;
        public int Seed { get; init; } = 1;

        /// <summary>The study's settings; <paramref name="quick"/> tries K = 2 and 7 only.</summary>
        public static Settings Study(bool quick) => quick ? new Settings { Components = new[] { 2, 7 } } : new Settings();
    }

    /// <summary>Error rates (1 − accuracy) per split for one K.</summary>
    public sealed record Run(int Components, double TrainError, double ValidationError, double TestError);

    public static IReadOnlyList<Run> Execute(MLContext ml, FaceDataset data, Settings settings, string folder, StringBuilder markdown)
    {
        Directory.CreateDirectory(folder);
        var pair = TwoClasses(data, settings.Classes);
        var views = pair.Splits.Select(s => pair.ToDataView(ml, s)).ToArray();
        var runs = new List<Run>();
        markdown.AppendLine($"## Mixture-of-Gaussians classifier: {string.Join(" vs ", pair.ClassNames)} (study 4.4)").AppendLine();
        markdown.AppendLine($"One diagonal mixture per class, {settings.Iterations} EM iterations, minVary {settings.VarianceFloor}, randConst {settings.RandConst}, " +
                            $"random initialisation; train {pair.Train.Count}, valid {pair.Validation.Count}, test {pair.Test.Count} rows.").AppendLine();
        markdown.AppendLine("| K | train error | valid error | test error |").AppendLine("|---|---|---|---|");
        foreach (int k in settings.Components)
        {
            var model = ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options
            {
                Mixture = new GaussianMixtureOptions
                {
                    Components = k, MaxIterations = settings.Iterations, VarianceFloor = settings.VarianceFloor, RandConst = settings.RandConst, Seed = settings.Seed,
                },
            }).Fit(views[0]);
            var errors = views.Select(v => 1 - ml.MulticlassClassification.Evaluate(model.Transform(v)).MicroAccuracy).ToArray();
            runs.Add(new Run(k, errors[0], errors[1], errors[2]));
            markdown.AppendLine($"| {k} | {F(errors[0])} | {F(errors[1])} | {F(errors[2])} |");
        }
        markdown.AppendLine();
        Plots.Lines(Path.Combine(folder, "mog-classes-error.png"), $"Error rate against K ({string.Join(" vs ", pair.ClassNames)})", "components per class K", "error rate",
            new[] { "train", "valid", "test" }.Select((name, i) => (name,
                (IReadOnlyList<(double, double)>)runs.Select(r => ((double)r.Components, i == 0 ? r.TrainError : i == 1 ? r.ValidationError : r.TestError)).ToList())).ToList());
        markdown.AppendLine("![error rate against K](mog-classes-error.png)").AppendLine();
        return runs;
    }

    /// <summary>The rows of the chosen classes, relabelled 0..n−1 in the order given.</summary>
    public static FaceDataset TwoClasses(FaceDataset data, IReadOnlyList<int> classes)
    {
        foreach (int c in classes)
            if (c < 0 || c >= data.ClassNames.Count) throw new ArgumentException($"Class {c} is not one of {data.Source}'s 0..{data.ClassNames.Count - 1}.");
        FaceSplit Select(FaceSplit split)
        {
            var rows = Enumerable.Range(0, split.Count).Where(n => classes.Contains(split.Labels[n])).ToList();
            var subset = split.Subset(split.Name, rows);
            for (int i = 0; i < subset.Count; i++) subset.Labels[i] = classes.ToList().IndexOf(subset.Labels[i]);
            return subset;
        }
        return new FaceDataset(data.Source, classes.Select(c => data.ClassNames[c]).ToList(), data.Shape, Select(data.Train), Select(data.Validation), Select(data.Test));
    }

    private static string F(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
}
