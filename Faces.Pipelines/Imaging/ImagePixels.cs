using OpenCvSharp;

namespace Faces.Pipelines.Imaging;

/// <summary>
/// Image files → grayscale pixel rows, the one preprocessing path of Faces: every photo is decoded upright (EXIF
/// orientation applied) to 8-bit luminance by <see cref="ImageFiles"/>, a region of it (the whole image, or a face's
/// box) is resized with OpenCV's area interpolation, and the result is scaled to [0, 1]. Training from image folders,
/// <c>faces predict</c>, <c>faces serve</c> and the face-cropping transformer all go through <see cref="Region"/>, so the
/// same face gives the same 2,304 values wherever it is read. A file that is not an image, a truncated one or one over
/// the pixel cap is a clear error naming it.
/// </summary>
public static class ImagePixels
{
    /// <summary>Extensions read as images.</summary>
    public static IReadOnlyList<string> Extensions { get; } = new[] { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp" };

    /// <summary>Pixels of each whole file, row-major [paths.Count, shape.Size].</summary>
    public static float[] Load(IReadOnlyList<string> paths, ImageShape shape)
    {
        if (shape.Channels != 1) throw new ArgumentException($"Images are read as grayscale; a {shape} shape has {shape.Channels} channels.");
        var result = new float[paths.Count * (long)shape.Size];
        // Files are independent: decode them on every core, each into its own rows of the result. A bad file is
        // reported as if read in order: the first one in the list, whichever thread met it first.
        var errors = new Exception?[paths.Count];
        Parallel.For(0, paths.Count, (i, loop) =>
        {
            try
            {
                var (pixels, width, height) = ImageFiles.ReadGray(paths[i]);
                using var gray = Mat.FromPixelData(height, width, MatType.CV_8UC1, pixels);
                Region(gray, new Rect(0, 0, width, height), shape.Width, shape.Height).CopyTo(result, i * (long)shape.Size);
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
            {
                errors[i] = e;
                loop.Break(); // later files need not be read; earlier ones still are, so the first bad one is found
            }
        });
        if (errors.FirstOrDefault(e => e != null) is { } first) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        return result;
    }

    /// <summary>
    /// The pixels of <paramref name="region"/> of an 8-bit grayscale image, resized to <paramref name="width"/>×<paramref name="height"/>
    /// with area interpolation (an exact copy when the sizes agree) and scaled to [0, 1], row-major.
    /// </summary>
    public static float[] Region(Mat gray, Rect region, int width, int height)
    {
        using var part = new Mat(gray, region);
        using var resized = part.Width == width && part.Height == height ? part.Clone() : part.Resize(new Size(width, height), interpolation: InterpolationFlags.Area);
        var pixels = new float[width * height];
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            pixels[y * width + x] = resized.At<byte>(y, x) / 255f;
        return pixels;
    }
}
