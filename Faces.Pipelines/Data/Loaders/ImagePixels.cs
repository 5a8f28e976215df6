using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// Image files → grayscale pixel rows through Microsoft.ML.ImageAnalytics: LoadImages → ResizeImages →
/// ConvertToGrayscale → ExtractPixels (one plane, scaled to [0, 1]). Any size or colour goes in; a file that is not an
/// image, a truncated one or one over the pixel cap is a clear error naming it (<see cref="ImageFiles"/>).
/// </summary>
public static class ImagePixels
{
    /// <summary>Extensions read as images.</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    /// <summary>Pixels of each file, row-major [paths.Count, shape.Size].</summary>
    public static float[] Load(MLContext ml, IReadOnlyList<string> paths, ImageShape shape)
    {
        if (shape.Channels != 1) throw new ArgumentException($"Images are read as grayscale; a {shape} shape has {shape.Channels} channels.");
        foreach (var path in paths) ImageFiles.Check(path);

        var rows = ml.Data.LoadFromEnumerable(paths.Select(p => new PathRow { Path = Path.GetFullPath(p) }));
        var pipeline = ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(PathRow.Path))
            .Append(ml.Transforms.ResizeImages("Image", shape.Width, shape.Height, resizing: ImageResizingEstimator.ResizingKind.Fill))
            .Append(ml.Transforms.ConvertToGrayscale("Image"))
            // After ConvertToGrayscale R = G = B, so one plane is the whole image.
            .Append(ml.Transforms.ExtractPixels("Features", "Image", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255));
        var features = pipeline.Fit(rows).Transform(rows).GetColumn<float[]>("Features");
        var result = new float[paths.Count * (long)shape.Size];
        int n = 0;
        foreach (var row in features)
        {
            row.CopyTo(result, n * (long)shape.Size);
            n++;
        }
        return result;
    }

    private sealed class PathRow
    {
        public string Path { get; set; } = "";
    }
}
