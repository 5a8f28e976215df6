using Faces.Pipelines.Detection;
using Faces.Pipelines.Training;
using Microsoft.ML;
using OpenCvSharp;

namespace Faces.Pipelines.Recognition;

/// <summary>
/// Photo in, expressions out — the one path <c>faces predict</c> and <c>faces serve</c> take: every face is found
/// (<see cref="FaceDetector"/>), its box cropped and resized by the one preprocessing path
/// (<see cref="FaceDetector.FacePixels"/>, which training from image folders uses too), and all faces of a photo are
/// scored in one batched pass of the <see cref="ExpressionModel"/>. Load once, use for many photos; safe to share
/// between threads.
/// </summary>
public sealed class ExpressionRecognizer : IDisposable
{
    private readonly FaceDetector detector;
    private readonly bool ownsDetector;

    /// <summary>The model that scores the faces.</summary>
    public ExpressionModel Model { get; }
    /// <summary>The model's classes, in Score order.</summary>
    public IReadOnlyList<string> ClassNames => Model.ClassNames;
    /// <summary>The side of the model's square grayscale input.</summary>
    public int Side => Model.Side;

    /// <summary>A recognizer with the shipped real-face model (<see cref="DefaultModel"/>).</summary>
    public ExpressionRecognizer(MLContext ml, FaceDetector? detector = null) : this(ExpressionModel.Load(ml, DefaultModel.Path), detector)
    {
    }

    /// <summary>A recognizer with the model at <paramref name="modelPath"/>.</summary>
    public ExpressionRecognizer(MLContext ml, string modelPath, FaceDetector? detector = null) : this(ExpressionModel.Load(ml, modelPath), detector)
    {
    }

    /// <summary>A recognizer with a model already loaded; <paramref name="detector"/> (default: a new one with the default options) is disposed with it only when made here.</summary>
    public ExpressionRecognizer(ExpressionModel model, FaceDetector? detector = null)
    {
        Model = model;
        ownsDetector = detector == null;
        this.detector = detector ?? new FaceDetector();
    }

    /// <summary>
    /// Every face in the photo at <paramref name="path"/>, largest first (none when no face is found); with
    /// <paramref name="explain"/>, each with its saliency map (<see cref="FaceExpression.Saliency"/>).
    /// </summary>
    public IReadOnlyList<FaceExpression> Recognize(string path, bool explain = false)
    {
        using var gray = FaceDetector.ReadGray(path);
        return Recognize(gray, detector.Detect(gray), explain);
    }

    /// <summary>The whole image taken as one face (for images that already are face crops).</summary>
    public FaceExpression RecognizeWhole(string path, bool explain = false)
    {
        using var gray = FaceDetector.ReadGray(path);
        return Recognize(gray, new[] { new FaceBox(0, 0, gray.Width, gray.Height, 0) }, explain)[0];
    }

    /// <summary>The faces found in a grayscale image, or the whole image as one face when <paramref name="detect"/> is false.</summary>
    public IReadOnlyList<FaceExpression> Recognize(Mat gray, bool detect, bool explain = false) =>
        Recognize(gray, detect ? detector.Detect(gray) : new[] { new FaceBox(0, 0, gray.Width, gray.Height, 0) }, explain);

    /// <summary>
    /// The faces at <paramref name="boxes"/> of a grayscale image, scored together; with <paramref name="explain"/>,
    /// each with the saliency map of its expression (<see cref="ExpressionModel.Explain"/>: a network model only).
    /// </summary>
    public IReadOnlyList<FaceExpression> Recognize(Mat gray, IReadOnlyList<FaceBox> boxes, bool explain = false)
    {
        var pixels = boxes.Select(b => FaceDetector.FacePixels(gray, b, Side, Side)).ToList();
        var scores = Model.Score(pixels);
        var faces = boxes.Select((box, i) => FaceExpression.From(box, scores[i], ClassNames)).ToList();
        if (!explain) return faces;
        var maps = Model.Explain(pixels, scores.Select(s => Array.IndexOf(s, s.Max())).ToList());
        return faces.Select((face, i) => face with { Saliency = maps[i] }).ToList();
    }

    /// <summary>
    /// A copy of the photo with each face boxed and labelled with its expression and probability, as PNG bytes; a face
    /// with a saliency map gets it as a heat overlay inside its box.
    /// </summary>
    public static byte[] Annotate(string path, IReadOnlyList<FaceExpression> faces)
    {
        using var photo = Cv2.ImRead(path, ImreadModes.Color);
        if (photo.Empty()) throw new InvalidDataException($"{path}: not an image OpenCV can read.");
        int thickness = Math.Max(2, Math.Min(photo.Width, photo.Height) / 200);
        foreach (var face in faces)
        {
            if (face.Saliency != null) SaliencyOverlay.Draw(photo, face.Box, face.Saliency);
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
