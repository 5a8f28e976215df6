using Faces.Pipelines.Imaging;
using Faces.Pipelines.Data.Loaders;
using OpenCvSharp;

namespace Faces.Pipelines.Detection;

/// <summary>
/// Finds faces in photographs with OpenCV's Haar frontal-face cascade (embedded; Intel's licence is in the third-party
/// notices) after histogram equalisation: boxes largest first, with a margin, deterministic. One instance may be
/// shared by threads (each concurrent search takes its own OpenCV classifier from a pool).
/// </summary>
public sealed class FaceDetector : IDisposable
{
    private const string EmbeddedCascade = "Faces.Pipelines.Detection.haarcascade_frontalface_default.xml";
    // OpenCV's classifier is not safe to share between threads: a pool, one per concurrent search, made on demand.
    private readonly System.Collections.Concurrent.ConcurrentBag<CascadeClassifier> idle = new();
    private readonly Func<CascadeClassifier> create;
    // At most one search per core at a time: more would only share the cores and hold more classifiers in memory.
    private readonly SemaphoreSlim searches = new(Environment.ProcessorCount);

    public FaceDetectorOptions Options { get; }

    public FaceDetector(FaceDetectorOptions? options = null) : this(options, null)
    {
    }

    /// <summary>A detector with a cascade given as XML text (as a saved model holds a custom one).</summary>
    public static FaceDetector FromCascadeXml(FaceDetectorOptions options, string xml) => new(options with { CascadeFile = null }, xml);

    private FaceDetector(FaceDetectorOptions? options, string? cascadeXml)
    {
        Options = options ?? new FaceDetectorOptions();
        Options.Validate();
        if (cascadeXml != null)
        {
            create = () => FromXml(cascadeXml);
        }
        else if (Options.CascadeFile != null)
        {
            string file = Options.CascadeFile;
            if (!File.Exists(file)) throw new FileNotFoundException($"Cascade file not found: {file}", file);
            create = () =>
            {
                CascadeClassifier loaded;
                try
                {
                    loaded = new CascadeClassifier(file);
                }
                catch (OpenCVException e)
                {
                    throw new InvalidDataException($"{file} is not an OpenCV cascade file: {e.Message}", e);
                }
                if (!loaded.Empty()) return loaded;
                loaded.Dispose();
                throw new InvalidDataException($"{file} is not an OpenCV cascade file.");
            };
        }
        else
        {
            using var stream = typeof(FaceDetector).Assembly.GetManifestResourceStream(EmbeddedCascade)
                               ?? throw new InvalidOperationException($"The embedded cascade {EmbeddedCascade} is missing.");
            using var reader = new StreamReader(stream);
            string xml = reader.ReadToEnd();
            create = () => FromXml(xml);
        }
        idle.Add(create()); // loaded now, so a bad cascade is an error here, not at the first photo
    }

    private static CascadeClassifier FromXml(string xml)
    {
        using var storage = new FileStorage(xml, FileStorage.Modes.Read | FileStorage.Modes.Memory);
        var classifier = new CascadeClassifier();
        if (!classifier.Read(storage.GetFirstTopLevelNode()!))
        {
            classifier.Dispose();
            throw new InvalidDataException("The cascade XML could not be read.");
        }
        return classifier;
    }

    /// <summary>The faces in an image file (checked first: pixel cap, complete file), largest first.</summary>
    public IReadOnlyList<FaceBox> Detect(string path)
    {
        using var gray = ReadGray(path);
        return Detect(gray);
    }

    /// <summary>The faces in an 8-bit grayscale or BGR(A) image, largest first.</summary>
    public IReadOnlyList<FaceBox> Detect(Mat image)
    {
        using var full = image.Channels() == 1 ? image.Clone() : image.CvtColor(image.Channels() == 4 ? ColorConversionCodes.BGRA2GRAY : ColorConversionCodes.BGR2GRAY);
        double shrink = Options.SearchSide > 0 ? Math.Min(1, Options.SearchSide / (double)Math.Max(full.Width, full.Height)) : 1;
        using var gray = shrink < 1 ? full.Resize(new Size((int)Math.Round(full.Width * shrink), (int)Math.Round(full.Height * shrink)), interpolation: InterpolationFlags.Area) : full.Clone();
        using var equalised = new Mat();
        Cv2.EqualizeHist(gray, equalised);
        Rect[] found;
        double[] weights;
        searches.Wait();
        var cascade = idle.TryTake(out var pooled) ? pooled : create();
        try
        {
            found = cascade.DetectMultiScale(equalised, out _, out weights, Options.ScaleFactor, Options.MinNeighbors, HaarDetectionTypes.ScaleImage,
                new Size(Options.MinSize, Options.MinSize), Options.MaxSize > 0 ? new Size(Options.MaxSize, Options.MaxSize) : null, outputRejectLevels: true);
        }
        finally
        {
            idle.Add(cascade);
            searches.Release();
        }
        return found.Select(r => shrink < 1 ? new Rect((int)Math.Round(r.X / shrink), (int)Math.Round(r.Y / shrink), (int)Math.Round(r.Width / shrink), (int)Math.Round(r.Height / shrink)) : r)
            .Select((r, i) => WithMargin(r, i < weights.Length ? weights[i] : 0, image.Width, image.Height))
            .OrderByDescending(b => b.Area).ThenBy(b => b.Y).ThenBy(b => b.X).ToList();
    }

    /// <summary>An image file as 8-bit grayscale, decoded once with <see cref="ImageFiles"/>' checks (pixel cap, complete file).</summary>
    public static Mat ReadGray(string path) => ToMat(ImageFiles.ReadGray(path));

    /// <summary>An image held in memory (an upload) as 8-bit grayscale, upright, at full size, with the same checks.</summary>
    public static Mat ReadGray(byte[] bytes, string name) => ToMat(ImageFiles.ReadGray(bytes, name));

    /// <summary>Decoded pixels as an OpenCV image (a copy).</summary>
    public static Mat ToMat(GrayImage image) => ToMat((image.Pixels, image.Width, image.Height));

    private static Mat ToMat((byte[] Pixels, int Width, int Height) image) =>
        Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC1, image.Pixels).Clone();

    /// <summary>The face's pixels, resized to <paramref name="width"/>x<paramref name="height"/> and scaled to [0, 1], row-major (<see cref="ImagePixels.Region"/>).</summary>
    public static float[] FacePixels(Mat gray, FaceBox box, int width, int height) =>
        ImagePixels.Region(gray, new Rect(box.X, box.Y, box.Width, box.Height), width, height);

    private FaceBox WithMargin(Rect r, double score, int imageWidth, int imageHeight)
    {
        int dx = (int)Math.Round(r.Width * Options.Margin), dy = (int)Math.Round(r.Height * Options.Margin);
        int x0 = Math.Max(0, r.X - dx), y0 = Math.Max(0, r.Y - dy);
        int x1 = Math.Min(imageWidth, r.X + r.Width + dx), y1 = Math.Min(imageHeight, r.Y + r.Height + dy);
        return new FaceBox(x0, y0, x1 - x0, y1 - y0, score);
    }

    public void Dispose()
    {
        while (idle.TryTake(out var cascade)) cascade.Dispose();
        searches.Dispose();
    }
}
