using SkiaSharp;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// Checks an image file before anything decodes it for real: its header's size against a pixel cap (like Pillow's
/// MAX_IMAGE_PIXELS, so a 100-byte file claiming 100000x100000 pixels is refused rather than allocated), then a full
/// decode that must not stop early (a truncated PNG or JPEG is refused, not used half grey).
/// </summary>
public static class ImageFiles
{
    /// <summary>Pillow's default cap: 89,478,485 pixels (a 1 GiB RGBA budget / 3), about 9459x9459.</summary>
    public const long DefaultMaxPixels = 89_478_485;

    /// <summary>The cap in force for this process; the command line's --max-image-pixels sets it.</summary>
    public static long MaxPixels { get; set; } = DefaultMaxPixels;

    /// <summary>Throws <see cref="InvalidDataException"/> naming the file when it is not a complete image within the cap.</summary>
    public static void Check(string path) => Decode(path, keep: false);

    /// <summary>
    /// The image at <paramref name="path"/> as 8-bit grayscale rows (width × height bytes), decoded once, after the
    /// same checks as <see cref="Check"/>.
    /// </summary>
    public static (byte[] Pixels, int Width, int Height) ReadGray(string path) => Decode(path, keep: true);

    /// <summary>The same for an image held in memory (an upload); <paramref name="name"/> names it in errors.</summary>
    public static (byte[] Pixels, int Width, int Height) ReadGray(byte[] bytes, string name)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Decode(stream, name, keep: true);
    }

    private static (byte[] Pixels, int Width, int Height) Decode(string path, bool keep)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Image not found: {path}", path);
        FileStream file;
        try
        {
            file = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path} cannot be read: {e.Message}", e);
        }
        using (file) return Decode(file, path, keep);
    }

    private static (byte[] Pixels, int Width, int Height) Decode(Stream stream, string name, bool keep)
    {
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec == null)
            throw new InvalidDataException($"{name} is not a readable image (PNG, JPEG, BMP, GIF or WebP): {Describe(opened)}.");
        var info = codec.Info;
        long pixels = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1)
            throw new InvalidDataException($"{name} is an empty image ({info.Width}x{info.Height}).");
        if (pixels > MaxPixels)
            throw new InvalidDataException($"{name} is {info.Width}x{info.Height} = {pixels:N0} pixels, more than the cap of {MaxPixels:N0} " +
                                           "(raise it with --max-image-pixels if the image is real).");
        var gray = keep ? new byte[pixels] : null;
        var decoded = DecodeAll(codec, info.Width, info.Height, gray);
        if (decoded != SKCodecResult.Success)
            throw new InvalidDataException($"{name} is a damaged image: {Describe(decoded)}.");
        return (gray ?? Array.Empty<byte>(), info.Width, info.Height);
    }

    /// <summary>
    /// Decodes every row, one at a time where the format allows it (PNG, JPEG, BMP, WebP), so checking a large image
    /// costs one row of memory; other formats are decoded whole (they are within the pixel cap). With
    /// <paramref name="gray"/>, the rows are kept there as 8-bit luminance.
    /// </summary>
    private static SKCodecResult DecodeAll(SKCodec codec, int width, int height, byte[]? gray)
    {
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (codec.StartScanlineDecode(info) == SKCodecResult.Success)
        {
            using var row = new SKBitmap(new SKImageInfo(width, 1, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (int y = 0; y < height; y++)
            {
                if (codec.GetScanlines(row.GetPixels(), 1, info.RowBytes) != 1) return SKCodecResult.IncompleteInput;
                if (gray != null) Luminance(row.GetPixelSpan(), gray.AsSpan(y * width, width));
            }
            return SKCodecResult.Success;
        }
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success && gray != null)
            for (int y = 0; y < height; y++) Luminance(bitmap.GetPixelSpan().Slice(y * info.RowBytes, width * 4), gray.AsSpan(y * width, width));
        return result;
    }

    /// <summary>RGBA to 8-bit luminance with OpenCV's weights (0.299, 0.587, 0.114), so detection sees what cvtColor gives.</summary>
    private static void Luminance(ReadOnlySpan<byte> rgba, Span<byte> gray)
    {
        for (int x = 0; x < gray.Length; x++)
            gray[x] = (byte)((rgba[4 * x] * 4899 + rgba[4 * x + 1] * 9617 + rgba[4 * x + 2] * 1868 + 8192) >> 14);
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file ends before the image does (truncated)",
        SKCodecResult.ErrorInInput => "its data is corrupt",
        SKCodecResult.Unimplemented => "an image format or variant that cannot be decoded",
        SKCodecResult.InvalidInput => "not an image format that can be decoded",
        _ => $"decoder result {result}",
    };
}
