using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using OpenCvSharp;

namespace Faces.Pipelines.Detection;

/// <summary>One face of a photo: where it is, the most likely expression, and every expression's probability.</summary>
public sealed record FaceExpression(FaceBox Box, string Expression, float Probability, IReadOnlyDictionary<string, float> Probabilities)
{
    /// <summary>The face at <paramref name="box"/> with class probabilities <paramref name="scores"/> (in <paramref name="classes"/> order).</summary>
    public static FaceExpression From(FaceBox box, float[] scores, IReadOnlyList<string> classes)
    {
        int best = Array.IndexOf(scores, scores.Max());
        return new FaceExpression(box, classes[best], scores[best], classes.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => scores[x.k]));
    }
}

/// <summary>
/// Photo in, expressions out: finds every face (<see cref="FaceDetector"/>), crops it, resizes it to the model's square
/// grayscale input and scores all faces of a photo in one pass of a saved Faces model. Load once, use for many
/// photos; safe to share between threads.
/// </summary>
public sealed class ExpressionRecognizer : IDisposable
{
    private readonly MLContext ml;
    private readonly ITransformer model;
    private readonly FaceDetector detector;
    private readonly bool ownsDetector;

    /// <summary>The model's classes, in Score order.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The side of the model's square grayscale input.</summary>
    public int Side { get; }

    /// <summary>A recognizer with the shipped real-face model (<see cref="DefaultModel"/>).</summary>
    public ExpressionRecognizer(MLContext ml, FaceDetector? detector = null) : this(ml, DefaultModel.Path, detector)
    {
    }

    public ExpressionRecognizer(MLContext ml, string modelPath, FaceDetector? detector = null)
    {
        this.ml = ml;
        model = ModelFiles.LoadClassifier(ml, modelPath, out var inputSchema);
        int size = (inputSchema["Features"].Type as VectorDataViewType)?.Size ?? 0;
        Side = (int)Math.Round(Math.Sqrt(size));
        if (Side * Side != size)
            throw new InvalidDataException($"{modelPath}: the model takes {size} features, not a square grayscale image.");
        ClassNames = ModelEvaluator.ClassNames(model, inputSchema)
                     ?? Enumerable.Range(0, ((VectorDataViewType)model.GetOutputSchema(inputSchema)["Score"].Type).Size).Select(i => $"class {i}").ToList();
        ownsDetector = detector == null;
        this.detector = detector ?? new FaceDetector();
    }

    /// <summary>Every face in the photo at <paramref name="path"/>, largest first (none when no face is found).</summary>
    public IReadOnlyList<FaceExpression> Recognize(string path)
    {
        using var gray = FaceDetector.ReadGray(path);
        return Recognize(gray, detector.Detect(gray));
    }

    /// <summary>The whole image taken as one face (for images that already are face crops).</summary>
    public FaceExpression RecognizeWhole(string path)
    {
        using var gray = FaceDetector.ReadGray(path);
        return Recognize(gray, new[] { new FaceBox(0, 0, gray.Width, gray.Height, 0) })[0];
    }

    /// <summary>The faces at <paramref name="boxes"/> of a grayscale image, scored together.</summary>
    public IReadOnlyList<FaceExpression> Recognize(Mat gray, IReadOnlyList<FaceBox> boxes)
    {
        if (boxes.Count == 0) return Array.Empty<FaceExpression>();
        var pixels = boxes.SelectMany(b => FaceDetector.FacePixels(gray, b, Side, Side)).ToArray();
        var faces = new FaceSplit("faces", pixels, new int[boxes.Count], Side * Side);
        var scores = model.Transform(FaceDataset.ToDataView(ml, faces, ClassNames)).GetColumn<float[]>("Score").ToList();
        return boxes.Select((box, i) => FaceExpression.From(box, scores[i], ClassNames)).ToList();
    }

    /// <summary>A copy of the photo with each face boxed and labelled with its expression and probability, as PNG bytes.</summary>
    public static byte[] Annotate(string path, IReadOnlyList<FaceExpression> faces)
    {
        using var photo = Cv2.ImRead(path, ImreadModes.Color);
        int thickness = Math.Max(2, Math.Min(photo.Width, photo.Height) / 200);
        foreach (var face in faces)
        {
            var box = new Rect(face.Box.X, face.Box.Y, face.Box.Width, face.Box.Height);
            Cv2.Rectangle(photo, box, new Scalar(0, 200, 0), thickness);
            string label = $"{face.Expression} {face.Probability:F2}";
            double scale = Math.Max(0.4, face.Box.Width / 160.0);
            var size = Cv2.GetTextSize(label, HersheyFonts.HersheySimplex, scale, thickness, out int baseline);
            int top = Math.Max(0, box.Y - size.Height - baseline - 4);
            Cv2.Rectangle(photo, new Rect(box.X, top, size.Width + 4, size.Height + baseline + 4), new Scalar(0, 200, 0), -1);
            Cv2.PutText(photo, label, new Point(box.X + 2, top + size.Height + 2), HersheyFonts.HersheySimplex, scale, new Scalar(0, 0, 0), thickness);
        }
        Cv2.ImEncode(".png", photo, out var bytes);
        return bytes;
    }

    public void Dispose()
    {
        if (ownsDetector) detector.Dispose();
    }
}
