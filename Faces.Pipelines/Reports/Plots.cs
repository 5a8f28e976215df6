using Faces.Pipelines.Data;
using Faces.Torch.Training;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using SkiaSharp;

namespace Faces.Pipelines.Reports;

/// <summary>PNG figures for the report: learning curves and confusion heat maps (OxyPlot), example faces (SkiaSharp).</summary>
public static class Plots
{
    /// <summary>Cross-entropy and accuracy per epoch on the training and validation splits.</summary>
    public static void LearningCurve(string path, string title, IReadOnlyList<EpochRecord> curve)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "cross-entropy", Key = "ce" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Right, Title = "accuracy", Key = "acc", Minimum = 0, Maximum = 1 });
        void Add(string name, string axis, Func<EpochRecord, double?> value, LineStyle style)
        {
            var series = new LineSeries { Title = name, YAxisKey = axis, LineStyle = style };
            foreach (var r in curve)
                if (value(r) is { } v) series.Points.Add(new DataPoint(r.Epoch, v));
            if (series.Points.Count > 0) model.Series.Add(series);
        }
        Add("train CE", "ce", r => r.TrainCrossEntropy, LineStyle.Solid);
        Add("valid CE", "ce", r => r.ValidationCrossEntropy, LineStyle.Solid);
        Add("train accuracy", "acc", r => r.TrainAccuracy, LineStyle.Dash);
        Add("valid accuracy", "acc", r => r.ValidationAccuracy, LineStyle.Dash);
        Export(model, path, 800, 500);
    }

    /// <summary>Mean log-likelihood per row, per EM iteration, one line per class mixture.</summary>
    public static void MixtureLogLikelihood(string path, string title, IReadOnlyList<string> classes, IReadOnlyList<IReadOnlyList<double>?> perClass, IReadOnlyList<int> rows)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightBottom });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "EM iteration" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "log-likelihood per row" });
        for (int c = 0; c < classes.Count; c++)
        {
            if (perClass[c] is not { } values || rows[c] == 0) continue;
            var series = new LineSeries { Title = classes[c] };
            for (int i = 0; i < values.Count; i++) series.Points.Add(new DataPoint(i + 1, values[i] / rows[c]));
            model.Series.Add(series);
        }
        Export(model, path, 800, 500);
    }

    /// <summary>Confusion matrix as a heat map of row-normalised rates, with the counts written in the cells.</summary>
    public static void ConfusionHeatMap(string path, string title, IReadOnlyList<string> classes, double[][] counts)
    {
        int k = classes.Count;
        var rates = new double[k, k];
        for (int truth = 0; truth < k; truth++)
        {
            double total = counts[truth].Sum();
            for (int predicted = 0; predicted < k; predicted++)
                rates[predicted, k - 1 - truth] = total > 0 ? counts[truth][predicted] / total : 0; // first class at the top
        }
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Axes.Add(new LinearColorAxis { Palette = OxyPalettes.Viridis(200), Minimum = 0, Maximum = 1, Position = AxisPosition.Right });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Bottom, Title = "predicted", ItemsSource = classes, Angle = 30 });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Title = "true", ItemsSource = classes.Reverse().ToList() });
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = k - 1, Y0 = 0, Y1 = k - 1, Data = rates, Interpolate = false, RenderMethod = HeatMapRenderMethod.Rectangles,
            LabelFontSize = 0.2, LabelFormatString = "0.00",
        });
        Export(model, path, 700, 640);
    }

    /// <summary>A grid of example images: one row per class, <paramref name="perClass"/> columns, scaled up 2x.</summary>
    public static void ExampleGrid(string path, FaceDataset data, FaceSplit split, int perClass = 10)
    {
        int h = data.Shape.Height, w = data.Shape.Width, scale = 2, gap = 2;
        using var bitmap = new SKBitmap(perClass * (w * scale + gap), data.ClassNames.Count * (h * scale + gap), SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);
        for (int c = 0; c < data.ClassNames.Count; c++)
        {
            var rows = Enumerable.Range(0, split.Count).Where(n => split.Labels[n] == c).Take(perClass).ToList();
            for (int i = 0; i < rows.Count; i++)
            {
                var pixels = split.Row(rows[i]);
                for (int y = 0; y < h * scale; y++)
                for (int x = 0; x < w * scale; x++)
                {
                    byte v = (byte)Math.Clamp(pixels[y / scale * w + x / scale] * 255, 0, 255);
                    bitmap.SetPixel(i * (w * scale + gap) + x, c * (h * scale + gap) + y, new SKColor(v, v, v));
                }
            }
        }
        using var file = File.Create(path);
        bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
    }

    private static void Export(PlotModel model, string path, int width, int height)
    {
        using var file = File.Create(path);
        new OxyPlot.SkiaSharp.PngExporter { Width = width, Height = height }.Export(model, file);
    }
}
