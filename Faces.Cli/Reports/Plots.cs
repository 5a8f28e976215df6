using Faces.Pipelines.Imaging;
using Faces.Torch.IO;
using Faces.Pipelines.Data;
using Faces.Torch.Training;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;
using SkiaSharp;

namespace Faces.Cli.Reports;

/// <summary>PNG figures for the report: learning curves and confusion heat maps (OxyPlot), example faces (SkiaSharp).</summary>
internal static class Plots
{
    /// <summary>Cross-entropy and accuracy per epoch on the training and validation splits.</summary>
    public static void LearningCurve(string path, string title, IReadOnlyList<EpochRecord> curve)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(OutsideLegend());
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "epoch" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "cross-entropy", Key = "ce" });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Right, Title = "accuracy", Key = "acc", Minimum = 0, Maximum = 1 });
        void Add(string name, string axis, Func<EpochRecord, double?> value, LineStyle style, OxyColor colour)
        {
            var series = new LineSeries { Title = name, YAxisKey = axis, LineStyle = style, Color = colour };
            foreach (var r in curve)
                if (value(r) is { } v) series.Points.Add(new DataPoint(r.Epoch, v));
            if (series.Points.Count > 0) model.Series.Add(series);
        }
        // Train in blue, validation in orange; cross-entropy solid, accuracy dashed.
        Add("train CE", "ce", r => r.TrainCrossEntropy, LineStyle.Solid, Palette[0]);
        Add("valid CE", "ce", r => r.ValidationCrossEntropy, LineStyle.Solid, Palette[1]);
        Add("train accuracy", "acc", r => r.TrainAccuracy, LineStyle.Dash, Palette[0]);
        Add("valid accuracy", "acc", r => r.ValidationAccuracy, LineStyle.Dash, Palette[1]);
        Export(model, path, 900, 500);
    }

    /// <summary>Mean log-likelihood per row, per EM iteration, one line per class mixture.</summary>
    public static void MixtureLogLikelihood(string path, string title, IReadOnlyList<string> classes, IReadOnlyList<IReadOnlyList<double>?> perClass, IReadOnlyList<int> rows) =>
        Lines(path, title, "EM iteration", "log-likelihood per row", Enumerable.Range(0, classes.Count)
            .Where(c => perClass[c] != null && rows[c] > 0)
            .Select(c => (classes[c], (IReadOnlyList<(double, double)>)perClass[c]!.Select((v, i) => ((double)(i + 1), v / rows[c])).ToList())).ToList());

    /// <summary>One line per named series of (x, y) points.</summary>
    public static void Lines(string path, string title, string xTitle, string yTitle, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(OutsideLegend());
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xTitle });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yTitle });
        foreach (var ((name, points), index) in series.Select((s, i) => (s, i)))
        {
            var line = new LineSeries
            {
                Title = name, MarkerType = points.Count <= 12 ? MarkerType.Circle : MarkerType.None, Color = Palette[index % Palette.Length],
                LineStyle = index < Palette.Length ? LineStyle.Solid : LineStyle.Dash,
            };
            line.Points.AddRange(points.Select(p => new DataPoint(p.X, p.Y)));
            model.Series.Add(line);
        }
        Export(model, path, 900, 500);
    }

    /// <summary>Ten colours that stay apart for the seven expressions and Fashion-MNIST's ten classes (Tableau 10).</summary>
    private static readonly OxyColor[] Palette =
    {
        OxyColor.FromRgb(31, 119, 180), OxyColor.FromRgb(255, 127, 14), OxyColor.FromRgb(44, 160, 44), OxyColor.FromRgb(214, 39, 40),
        OxyColor.FromRgb(148, 103, 189), OxyColor.FromRgb(140, 86, 75), OxyColor.FromRgb(227, 119, 194), OxyColor.FromRgb(127, 127, 127),
        OxyColor.FromRgb(188, 189, 34), OxyColor.FromRgb(23, 190, 207),
    };

    /// <summary>A legend to the right of the plot area, where it cannot cover a curve.</summary>
    private static Legend OutsideLegend() => new()
    {
        LegendPlacement = LegendPlacement.Outside, LegendPosition = LegendPosition.RightTop, LegendOrientation = LegendOrientation.Vertical,
    };

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

    /// <summary>
    /// Images scaled up 3x in a grid of <paramref name="columns"/>, each with a caption of one or two lines under it
    /// (for misclassified and uncertain examples: file, true and predicted class, probability).
    /// </summary>
    public static void CaptionedGrid(string path, ImageShape shape, IReadOnlyList<(float[] Pixels, string Caption)> cells, int columns = 6)
    {
        int scale = 3, w = shape.Width * scale, h = shape.Height * scale, captionHeight = 30, cellWidth = Math.Max(w, 130) + 6;
        int rows = Math.Max(1, (cells.Count + columns - 1) / columns);
        using var bitmap = new SKBitmap(Math.Min(columns, Math.Max(1, cells.Count)) * cellWidth, rows * (h + captionHeight + 6));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 11, IsAntialias = true };
        for (int i = 0; i < cells.Count; i++)
        {
            int x = i % columns * cellWidth, y = i / columns * (h + captionHeight + 6);
            using var image = GrayBitmap(shape, cells[i].Pixels, stretch: false);
            canvas.DrawBitmap(image, new SKRect(x, y, x + w, y + h));
            var lines = cells[i].Caption.Split('\n');
            for (int l = 0; l < lines.Length && l < 2; l++) canvas.DrawText(lines[l], x, y + h + 12 + 13 * l, text);
        }
        AtomicFile.Write(path, (Stream file) => bitmap.Encode(file, SKEncodedImageFormat.Png, 100));
    }

    /// <summary>
    /// Faces scaled up 3x with a saliency map over each — the "jet" palette of faces predict --explain, its opacity
    /// following the map (each stretched to its own maximum) — and a caption under each.
    /// </summary>
    public static void SaliencyGrid(string path, ImageShape shape, IReadOnlyList<(float[] Face, float[] Map, string Caption)> cells, int columns = 7)
    {
        int scale = 3, w = shape.Width * scale, h = shape.Height * scale, captionHeight = 18, cellWidth = w + 6;
        int rows = Math.Max(1, (cells.Count + columns - 1) / columns);
        using var bitmap = new SKBitmap(Math.Min(columns, Math.Max(1, cells.Count)) * cellWidth, rows * (h + captionHeight + 6));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 11, IsAntialias = true };
        using var smooth = new SKPaint { FilterQuality = SKFilterQuality.Medium };
        for (int i = 0; i < cells.Count; i++)
        {
            int x = i % columns * cellWidth, y = i / columns * (h + captionHeight + 6);
            var rect = new SKRect(x, y, x + w, y + h);
            using var face = GrayBitmap(shape, cells[i].Face, stretch: false);
            canvas.DrawBitmap(face, rect);
            using var heat = HeatBitmap(shape, cells[i].Map);
            canvas.DrawBitmap(heat, rect, smooth);
            canvas.DrawText(cells[i].Caption, x, y + h + 13, text);
        }
        AtomicFile.Write(path, (Stream file) => bitmap.Encode(file, SKEncodedImageFormat.Png, 100));
    }

    private static SKBitmap HeatBitmap(ImageShape shape, float[] map)
    {
        var bitmap = new SKBitmap(shape.Width, shape.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        float peak = Math.Max(map.Max(), 1e-12f);
        for (int y = 0; y < shape.Height; y++)
        for (int x = 0; x < shape.Width; x++)
        {
            float level = Math.Clamp(map[y * shape.Width + x] / peak, 0, 1);
            byte Channel(double centre) => (byte)Math.Round(255 * Math.Clamp(1.5 - Math.Abs(4 * level - centre), 0, 1));
            bitmap.SetPixel(x, y, new SKColor(Channel(3), Channel(2), Channel(1), (byte)Math.Round(255 * SaliencyOverlay.MaximumOpacity * level)));
        }
        return bitmap;
    }

    private static SKBitmap GrayBitmap(ImageShape shape, float[] pixels, bool stretch)
    {
        var bitmap = new SKBitmap(shape.Width, shape.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        float low = stretch ? pixels.Min() : 0, range = stretch ? Math.Max(pixels.Max() - low, 1e-12f) : 1;
        for (int y = 0; y < shape.Height; y++)
        for (int x = 0; x < shape.Width; x++)
        {
            byte v = (byte)Math.Clamp((pixels[y * shape.Width + x] - low) / range * 255, 0, 255);
            bitmap.SetPixel(x, y, new SKColor(v, v, v));
        }
        return bitmap;
    }

    /// <summary>A grid of example images: one row per class, labelled with the class name, <paramref name="perClass"/> columns, scaled up 2x.</summary>
    public static void ExampleGrid(string path, FaceDataset data, FaceSplit split, int perClass = 10)
    {
        int scale = 2, w = data.Shape.Width * scale, h = data.Shape.Height * scale, gap = 2, label = 90;
        int classes = data.ClassNames.Count;
        using var bitmap = new SKBitmap(label + perClass * (w + gap), Math.Max(1, classes) * (h + gap));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true };
        for (int c = 0; c < classes; c++)
        {
            int y = c * (h + gap);
            canvas.DrawText(data.ClassNames[c], 4, y + h / 2f + 5, text);
            var rows = Enumerable.Range(0, split.Count).Where(n => split.Labels[n] == c).Take(perClass).ToList();
            for (int i = 0; i < rows.Count; i++)
            {
                using var image = GrayBitmap(data.Shape, split.Row(rows[i]).ToArray(), stretch: false);
                canvas.DrawBitmap(image, new SKRect(label + i * (w + gap), y, label + i * (w + gap) + w, y + h));
            }
        }
        AtomicFile.Write(path, (Stream file) => bitmap.Encode(file, SKEncodedImageFormat.Png, 100));
    }

    /// <summary>
    /// Grayscale images in a grid (a list per grid row), scaled up 2x. With <paramref name="stretch"/> each image is
    /// mapped from its own minimum..maximum to black..white (for means and variances); otherwise [0, 1] is.
    /// </summary>
    public static void ImageGrid(string path, ImageShape shape, IReadOnlyList<IReadOnlyList<float[]>> rows, bool stretch)
    {
        int h = shape.Height, w = shape.Width, scale = 2, gap = 2;
        int columns = Math.Max(1, rows.Max(r => r.Count));
        using var bitmap = new SKBitmap(columns * (w * scale + gap), Math.Max(1, rows.Count) * (h * scale + gap), SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(SKColors.White);
        for (int r = 0; r < rows.Count; r++)
        for (int i = 0; i < rows[r].Count; i++)
        {
            var pixels = rows[r][i];
            float low = stretch ? pixels.Min() : 0, range = stretch ? Math.Max(pixels.Max() - low, 1e-12f) : 1;
            for (int y = 0; y < h * scale; y++)
            for (int x = 0; x < w * scale; x++)
            {
                byte v = (byte)Math.Clamp((pixels[y / scale * w + x / scale] - low) / range * 255, 0, 255);
                bitmap.SetPixel(i * (w * scale + gap) + x, r * (h * scale + gap) + y, new SKColor(v, v, v));
            }
        }
        AtomicFile.Write(path, (Stream file) => bitmap.Encode(file, SKEncodedImageFormat.Png, 100));
    }

    /// <summary>One panel of <see cref="WeightPanels"/>: a title, the images' shape, the images, and how much to scale them up.</summary>
    public sealed record WeightPanel(string Title, ImageShape Shape, IReadOnlyList<float[]> Images, int Scale, int Columns);

    /// <summary>
    /// Panels side by side, each a titled grid of weight images (a network's first-layer templates or filters), every
    /// image stretched from its own minimum (black) to maximum (white).
    /// </summary>
    public static void WeightPanels(string path, IReadOnlyList<WeightPanel> panels)
    {
        const int gap = 3, margin = 12, titleHeight = 22;
        var sizes = panels.Select(p =>
        {
            int w = p.Shape.Width * p.Scale, h = p.Shape.Height * p.Scale, columns = Math.Max(1, Math.Min(p.Columns, p.Images.Count));
            int rows = Math.Max(1, (p.Images.Count + columns - 1) / columns);
            return (Cell: (W: w, H: h), Columns: columns, Width: columns * (w + gap), Height: rows * (h + gap));
        }).ToList();
        int width = sizes.Sum(s => s.Width + margin) + margin, height = titleHeight + sizes.Max(s => s.Height) + margin;
        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true };
        using var nearest = new SKPaint { FilterQuality = SKFilterQuality.None };
        int left = margin;
        for (int p = 0; p < panels.Count; p++)
        {
            canvas.DrawText(panels[p].Title, left, 15, text);
            var (cell, columns, panelWidth, _) = sizes[p];
            for (int i = 0; i < panels[p].Images.Count; i++)
            {
                int x = left + i % columns * (cell.W + gap), y = titleHeight + i / columns * (cell.H + gap);
                using var image = GrayBitmap(panels[p].Shape, panels[p].Images[i], stretch: true);
                // Nearest-neighbour scaling: a 5x5 filter stays 25 visible squares.
                canvas.DrawBitmap(image, new SKRect(x, y, x + cell.W, y + cell.H), nearest);
            }
            left += panelWidth + margin;
        }
        AtomicFile.Write(path, (Stream file) => bitmap.Encode(file, SKEncodedImageFormat.Png, 100));
    }

    private static void Export(PlotModel model, string path, int width, int height)
    {
        AtomicFile.Write(path, (Stream file) => new OxyPlot.SkiaSharp.PngExporter { Width = width, Height = height }.Export(model, file));
    }
}
