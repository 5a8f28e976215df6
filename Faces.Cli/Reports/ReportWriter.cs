using System.Globalization;
using System.Net;
using System.Text;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Recognition;

namespace Faces.Cli.Reports;

/// <summary>
/// Writes report.md and report.html with a comparison table, per-split metrics, per-class precision/recall/F1, text
/// confusion matrices, and the PNG figures they link: learning curves, confusion heat maps, example images.
/// </summary>
internal static class ReportWriter
{
    /// <summary>Writes a text file under a temporary name, then renames it: a full disk leaves no truncated report.</summary>
    public static void WriteText(string path, string text) =>
        Faces.Torch.IO.AtomicFile.Write(path, (Stream file) => file.Write(Encoding.UTF8.GetBytes(text)));

    /// <summary>Writes the report into <paramref name="folder"/>; returns the Markdown file's path.</summary>
    public static string Write(string folder, FaceDataset data, IReadOnlyList<ModelReport> models)
    {
        Directory.CreateDirectory(folder);
        var md = new StringBuilder();
        md.AppendLine("# Faces report").AppendLine();
        md.AppendLine($"Data: {data.Source}, {data.Shape} images, classes {string.Join(", ", data.ClassNames)}; " +
                      $"train {data.Train.Count}, valid {data.Validation.Count}, test {data.Test.Count} rows.").AppendLine();
        md.AppendLine($"Split: {data.SplitMethod}; data fingerprint {DataFingerprint.Short(DataFingerprint.Of(data))}.").AppendLine();
        if (data.Manifest is { } manifest)
        {
            WriteText(Path.Combine(folder, "split-manifest.csv"), manifest.ToCsv());
            md.AppendLine("Which file went to which split: [split-manifest.csv](split-manifest.csv).").AppendLine();
        }
        foreach (var warning in data.Warnings) md.AppendLine($"- warning: {warning}");
        if (data.Warnings.Count > 0) md.AppendLine();

        Plots.ExampleGrid(Path.Combine(folder, "examples.png"), data, data.Train);
        md.AppendLine("![Training examples, one row per class](examples.png)").AppendLine();

        md.AppendLine("## Comparison").AppendLine();
        md.AppendLine("| model | split | rows | micro accuracy | macro accuracy | log-loss | uncertain (p < 0.5) | train seconds |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var model in models)
        foreach (var s in model.Splits)
            md.AppendLine($"| {model.Name} | {s.Split} | {s.Count} | {F(s.MicroAccuracy)} | {F(s.MacroAccuracy)} | {F(s.LogLoss)} | {F(s.UncertainFraction)} | " +
                          $"{(model.Trained != null ? model.Trained.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture) : "-")} |");
        md.AppendLine();

        foreach (var model in models)
        {
            string slug = Slug(model.Name);
            md.AppendLine($"## {model.Name}").AppendLine();
            if (model.ModelPath != null) md.AppendLine($"Model file: {model.ModelPath}").AppendLine();
            if (model.Trained is { } trained)
            {
                if (trained.LearningCurve.Count > 0)
                {
                    string file = $"curve-{slug}.png";
                    Plots.LearningCurve(Path.Combine(folder, file), $"{model.Name}: learning curve (whole-split values)", trained.LearningCurve);
                    md.AppendLine($"![{model.Name} learning curve]({file})").AppendLine();
                }
                else if (trained.Mixtures is { } mixtures)
                {
                    string file = $"curve-{slug}.png";
                    var counts = data.Train.ClassCounts(data.ClassNames.Count);
                    Plots.MixtureLogLikelihood(Path.Combine(folder, file), $"{model.Name}: EM log-likelihood per class",
                        data.ClassNames, mixtures.Mixtures.Select(m => m?.LogLikelihoods).ToList(), counts);
                    md.AppendLine($"![{model.Name} EM log-likelihood]({file})").AppendLine();
                }
            }
            foreach (var s in model.Splits)
            {
                string heat = $"confusion-{slug}-{s.Split}.png";
                Plots.ConfusionHeatMap(Path.Combine(folder, heat), $"{model.Name}, {s.Split}: confusion (row-normalised)", data.ClassNames, s.Confusion);
                md.AppendLine($"### {model.Name}, {s.Split}").AppendLine();
                md.AppendLine($"Micro accuracy {F(s.MicroAccuracy)}, macro accuracy {F(s.MacroAccuracy)}, log-loss {F(s.LogLoss)}, " +
                              $"uncertain {F(s.UncertainFraction)}.").AppendLine();
                md.AppendLine("| class | precision | recall | F1 |").AppendLine("|---|---|---|---|");
                for (int c = 0; c < data.ClassNames.Count; c++)
                    md.AppendLine($"| {data.ClassNames[c]} | {F(s.Precision[c])} | {F(s.Recall[c])} | {F(s.F1[c])} |");
                md.AppendLine().AppendLine("```").AppendLine(s.ConfusionTable.TrimEnd()).AppendLine("```").AppendLine();
                md.AppendLine($"![{model.Name} {s.Split} confusion matrix]({heat})").AppendLine();
                if (s.Split == "test" && s.Labels.Length > 0) Mistakes(md, folder, slug, model.Name, data, s);
            }
            if (model.Trained is { } explained && data.Test.HasLabels && data.Test.Count > 0
                && ModelExplainer.For(new Microsoft.ML.MLContext(seed: 1), explained.Model) is { } explainer)
                Saliency(md, folder, slug, model.Name, data, explainer);
        }

        string markdown = Path.Combine(folder, "report.md");
        WriteText(markdown, md.ToString());
        WriteText(Path.Combine(folder, "report.html"), HtmlReport.FromMarkdown(md.ToString()));
        return markdown;
    }

    /// <summary>The misclassified test images (all in the table, the first 30 drawn) and the 12 least certain ones.</summary>
    private static void Mistakes(StringBuilder md, string folder, string slug, string name, FaceDataset data, SplitMetrics test)
    {
        var files = data.Manifest?.Of("test").Select(r => r.File).ToList();
        string Name(int row) => files != null && row < files.Count ? files[row] : $"test row {row}";
        string Caption(SplitMetrics.Outcome o) => $"{Path.GetFileName(Name(o.Row))}\n{data.ClassNames[o.True]} → {data.ClassNames[o.Predicted]} {o.Probability:F2}";

        var wrong = test.Misclassified();
        md.AppendLine($"#### {name}: misclassified test images ({wrong.Count} of {test.Count})").AppendLine();
        if (wrong.Count > 0)
        {
            string grid = $"misclassified-{slug}.png";
            Plots.CaptionedGrid(Path.Combine(folder, grid), data.Shape, wrong.Take(30).Select(o => (data.Test.Row(o.Row).ToArray(), Caption(o))).ToList());
            md.AppendLine($"![{name} misclassified test images, true → predicted]({grid})").AppendLine();
            md.AppendLine("| file | true | predicted | probability |").AppendLine("|---|---|---|---|");
            foreach (var o in wrong)
                md.AppendLine($"| {Name(o.Row).Replace("|", "\\|", StringComparison.Ordinal)} | {data.ClassNames[o.True]} | {data.ClassNames[o.Predicted]} | {F(o.Probability)} |");
            md.AppendLine();
        }
        var unsure = test.MostUncertain(12);
        string uncertain = $"uncertain-{slug}.png";
        Plots.CaptionedGrid(Path.Combine(folder, uncertain), data.Shape, unsure.Select(o => (data.Test.Row(o.Row).ToArray(), Caption(o))).ToList());
        md.AppendLine($"#### {name}: the 12 test images it is least sure of").AppendLine();
        md.AppendLine($"![{name} least certain test images]({uncertain})").AppendLine();
    }

    /// <summary>Test faces explained per class: more would only smooth the averages further, at a backward pass each.</summary>
    private const int SaliencyFacesPerClass = 50;

    /// <summary>Per class, the mean saliency map of its test faces (for that class) over their mean face.</summary>
    private static void Saliency(StringBuilder md, string folder, string slug, string name, FaceDataset data, ModelExplainer explainer)
    {
        var cells = new List<(float[] Face, float[] Map, string Caption)>();
        for (int c = 0; c < data.ClassNames.Count; c++)
        {
            var rows = Enumerable.Range(0, data.Test.Count).Where(n => data.Test.Labels[n] == c).Take(SaliencyFacesPerClass).Select(n => data.Test.Row(n).ToArray()).ToList();
            if (rows.Count == 0) continue;
            var maps = explainer.Explain(rows, Enumerable.Repeat(c, rows.Count).ToList());
            cells.Add((Mean(rows), Mean(maps), $"{data.ClassNames[c]} ({rows.Count})"));
        }
        string file = $"saliency-{slug}.png";
        Plots.SaliencyGrid(Path.Combine(folder, file), data.Shape, cells);
        md.AppendLine($"#### {name}: where it looks, per class").AppendLine();
        md.AppendLine($"Each class's mean saliency map (HiResCAM for a CNN, gradient × input for an MLP) over up to {SaliencyFacesPerClass} of its test " +
                      "faces, drawn over their mean face: red where the evidence for the class lies.").AppendLine();
        md.AppendLine($"![{name} mean saliency per class]({file})").AppendLine();
    }

    private static float[] Mean(IReadOnlyList<float[]> rows)
    {
        var mean = new float[rows[0].Length];
        foreach (var row in rows)
            for (int i = 0; i < mean.Length; i++) mean[i] += row[i] / rows.Count;
        return mean;
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Slug(string name) => new(name.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray());

}
