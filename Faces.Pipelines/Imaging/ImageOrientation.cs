using SkiaSharp;

namespace Faces.Pipelines.Imaging;

/// <summary>
/// The EXIF orientation tag (1–8) applied to decoded pixels, so a phone photo stored sideways is searched and shown
/// upright, as browsers and photo viewers show it.
/// </summary>
public static class ImageOrientation
{
    /// <summary>Whether the orientation swaps width and height (tags 5–8: a quarter turn).</summary>
    public static bool SwapsSides(SKEncodedOrigin origin) => origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop
        or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>
    /// The stored <paramref name="width"/>×<paramref name="height"/> pixels turned upright; returns the new buffer and
    /// its size (the same buffer for tag 1).
    /// </summary>
    public static (byte[] Pixels, int Width, int Height) Upright(byte[] stored, int width, int height, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0) return (stored, width, height);
        bool swap = SwapsSides(origin);
        int outWidth = swap ? height : width, outHeight = swap ? width : height;
        var upright = new byte[stored.Length];
        for (int y = 0; y < outHeight; y++)
        for (int x = 0; x < outWidth; x++)
        {
            // (x, y) in the upright picture comes from (sx, sy) in the stored one. The tag names where the stored
            // picture's first row and column belong: TopLeft keeps them, RightTop (6, a phone held upright) means the
            // stored rows are the upright picture's columns from right to left, and so on.
            var (sx, sy) = origin switch
            {
                SKEncodedOrigin.TopRight => (width - 1 - x, y),             // 2: mirrored
                SKEncodedOrigin.BottomRight => (width - 1 - x, height - 1 - y), // 3: half turn
                SKEncodedOrigin.BottomLeft => (x, height - 1 - y),          // 4: flipped
                SKEncodedOrigin.LeftTop => (y, x),                          // 5: transposed
                SKEncodedOrigin.RightTop => (y, height - 1 - x),            // 6: quarter turn clockwise to view
                SKEncodedOrigin.RightBottom => (width - 1 - y, height - 1 - x), // 7: transverse
                SKEncodedOrigin.LeftBottom => (width - 1 - y, x),           // 8: quarter turn anticlockwise to view
                _ => (x, y),
            };
            upright[y * outWidth + x] = stored[sy * width + sx];
        }
        return (upright, outWidth, outHeight);
    }
}
