using System.Diagnostics;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Imaging;

namespace Faces.Cli.Serving;

/// <summary>A photo decoded, searched and scored, with the milliseconds of each stage.</summary>
internal sealed record PhotoResult(GrayImage Image, IReadOnlyList<FaceExpression> Faces, double DecodeMs, double DetectMs, double ScoreMs)
{
    /// <summary>The faces as JSON records, boxes in the photo's own pixels (it may have been decoded reduced).</summary>
    public IEnumerable<FaceRecord> Records => Faces.Select(f => FaceRecord.From(f, v => Image.ToSource(v)));
}

/// <summary>
/// The work on one photo that a request (<c>POST /api/predict</c>) and a live frame (<c>/api/live</c>) share: decode
/// reduced to the server's search size under its pixel cap, find the faces (or take the whole image), score them.
/// The caller holds a core; <see cref="Stage"/> names the stage reached, for the message when one fails.
/// </summary>
internal sealed class PhotoWork(ServeOptions options, ExpressionModel model, FaceDetector detector)
{
    /// <summary>decode, detect or score: where the work is (or stopped).</summary>
    public string Stage { get; private set; } = "decode";

    public PhotoResult Run(byte[] bytes, bool detect, bool explain, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        Stage = "decode";
        var image = ImageFiles.ReadGray(bytes, "the upload", options.DecodeSide, options.MaxImagePixels, token);
        using var gray = FaceDetector.ToMat(image);
        double decodeMs = clock.Elapsed.TotalMilliseconds;
        Stage = "detect";
        token.ThrowIfCancellationRequested();
        var boxes = detect ? detector.Detect(gray) : new[] { new FaceBox(0, 0, gray.Width, gray.Height, 0) };
        double detectMs = clock.Elapsed.TotalMilliseconds - decodeMs;
        Stage = "score";
        token.ThrowIfCancellationRequested();
        IReadOnlyList<FaceExpression> faces;
        using (var recognizer = new ExpressionRecognizer(model, detector)) faces = recognizer.Recognize(gray, boxes, explain); // maps count as scoring
        return new PhotoResult(image, faces, decodeMs, detectMs, clock.Elapsed.TotalMilliseconds - decodeMs - detectMs);
    }
}
