using OpenCvSharp;

namespace Faces.Cli.Benchmarks;

/// <summary>The serving benchmarks' photo: the given one resized to 640x480 (the size the latency goals are stated for) as JPEG bytes.</summary>
internal static class BenchmarkPhotos
{
    public static byte[] Jpeg640x480(string photoPath, int quality)
    {
        using var original = Cv2.ImRead(photoPath, ImreadModes.Color);
        using var resized = original.Resize(new Size(640, 480));
        Cv2.ImEncode(".jpg", resized, out var bytes, new ImageEncodingParam(ImwriteFlags.JpegQuality, quality));
        return bytes;
    }
}
