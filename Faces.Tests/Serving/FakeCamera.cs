using System.Text;
using OpenCvSharp;

namespace Faces.Tests.Serving;

/// <summary>
/// A video for chromium's fake camera (<c>--use-file-for-fake-video-capture</c>): the photo resized and repeated as
/// YUV4MPEG2 frames in 4:2:0 (the one uncompressed format chromium plays from a file; it loops it).
/// </summary>
internal static class FakeCamera
{
    public static void Write(string photo, string path, int width, int height, int frames)
    {
        using var image = Cv2.ImRead(photo, ImreadModes.Color);
        using var resized = image.Resize(new Size(width, height));
        using var yuv = resized.CvtColor(ColorConversionCodes.BGR2YUV_I420); // Y plane, then U, then V
        yuv.GetArray(out byte[] planes);
        using var file = File.Create(path);
        file.Write(Encoding.ASCII.GetBytes($"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n"));
        for (int i = 0; i < frames; i++)
        {
            file.Write(Encoding.ASCII.GetBytes("FRAME\n"));
            file.Write(planes);
        }
    }
}
