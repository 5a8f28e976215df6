using SkiaSharp;

namespace Faces.Pipelines.Imaging;

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
    public static void Check(string path) => Decode(path, keep: false, maxSide: 0);

    /// <summary>
    /// The image at <paramref name="path"/> as 8-bit grayscale rows (width × height bytes) in its upright frame (the
    /// EXIF orientation applied), decoded once, after the same checks as <see cref="Check"/>.
    /// </summary>
    public static (byte[] Pixels, int Width, int Height) ReadGray(string path)
    {
        var image = Decode(path, keep: true, maxSide: 0);
        return (image.Pixels, image.Width, image.Height);
    }

    /// <summary>
    /// An image held in memory (an upload), upright, reduced so that its longer side is at most
    /// <paramref name="maxSide"/> pixels (0: full size); <paramref name="name"/> names it in errors. The reduction
    /// happens while decoding — a JPEG decodes at 1/2, 1/4 or 1/8 scale, other formats row by row into averaged
    /// blocks — so a large photo costs memory for its reduced size only; <paramref name="cancellation"/> is checked
    /// between rows.
    /// </summary>
    /// <remarks><paramref name="maxPixels"/> replaces the process's <see cref="MaxPixels"/> (a server keeps its own cap).</remarks>
    public static GrayImage ReadGray(byte[] bytes, string name, int maxSide = 0, long? maxPixels = null, CancellationToken cancellation = default)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        return Decode(stream, name, keep: true, maxSide, cancellation, maxPixels ?? MaxPixels);
    }

    /// <summary>Width × height from the image's header alone (nothing decoded), or null when it is not a readable image.</summary>
    public static long? PixelCount(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        using var codec = SKCodec.Create(stream);
        return codec == null ? null : (long)codec.Info.Width * codec.Info.Height;
    }

    private static GrayImage Decode(string path, bool keep, int maxSide)
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
        using (file) return Decode(file, path, keep, maxSide, CancellationToken.None, MaxPixels);
    }

    private static GrayImage Decode(Stream stream, string name, bool keep, int maxSide, CancellationToken cancellation, long maxPixels)
    {
        if (maxSide < 0) throw new ArgumentOutOfRangeException(nameof(maxSide), maxSide, "The longest side must be 0 (full size) or positive.");
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec == null)
            throw new InvalidDataException($"{name} is not a readable image (PNG, JPEG, BMP, GIF or WebP): {Describe(opened)}.");
        var info = codec.Info;
        long pixels = (long)info.Width * info.Height;
        if (info.Width < 1 || info.Height < 1)
            throw new InvalidDataException($"{name} is an empty image ({info.Width}x{info.Height}).");
        if (pixels > maxPixels)
            throw new InvalidDataException($"{name} is {info.Width}x{info.Height} = {pixels:N0} pixels, more than the cap of {maxPixels:N0} " +
                                           "(raise it with --max-image-pixels if the image is real).");
        var origin = codec.EncodedOrigin;
        var target = Reduction(codec, maxSide);
        var reduced = keep ? new ReducedImage(target.Width, target.Height, target.Factor) : null;
        var decoded = DecodeAll(codec, target.Width * target.Factor, target.Height * target.Factor, target.DecodeWidth, target.DecodeHeight, reduced, cancellation);
        if (decoded != SKCodecResult.Success)
            throw new InvalidDataException($"{name} is a damaged image: {Describe(decoded)}.");
        if (reduced == null) return new GrayImage(Array.Empty<byte>(), info.Width, info.Height, info.Width, info.Height);
        var (upright, width, height) = ImageOrientation.Upright(reduced.Finish(), reduced.Width, reduced.Height, origin);
        bool swap = ImageOrientation.SwapsSides(origin);
        return new GrayImage(upright, width, height, swap ? info.Height : info.Width, swap ? info.Width : info.Height);
    }

    /// <summary>
    /// What to decode for a longest side of <paramref name="maxSide"/>: the size the codec decodes at (a JPEG's
    /// scaled size, else the full one), and the whole factor by which blocks of those pixels are then averaged.
    /// </summary>
    private static (int DecodeWidth, int DecodeHeight, int Width, int Height, int Factor) Reduction(SKCodec codec, int maxSide)
    {
        int width = codec.Info.Width, height = codec.Info.Height;
        if (maxSide == 0 || Math.Max(width, height) <= maxSide) return (width, height, width, height, 1);
        if (codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            // libjpeg decodes at k/8 scale for almost nothing: ask for the smallest scale not below the target.
            var scaled = codec.GetScaledDimensions((float)maxSide / Math.Max(width, height));
            if (scaled.Width >= 1 && scaled.Height >= 1 && scaled.Width <= width && Math.Max(scaled.Width, scaled.Height) >= Math.Min(maxSide, Math.Max(width, height) / 8))
                (width, height) = (scaled.Width, scaled.Height);
        }
        int factor = Math.Max(1, (Math.Max(width, height) + maxSide - 1) / maxSide);
        return (width, height, Math.Max(1, width / factor), Math.Max(1, height / factor), factor);
    }

    /// <summary>
    /// Decodes every row of a <paramref name="decodeWidth"/>×<paramref name="decodeHeight"/> decode, one at a time where
    /// the format allows it (PNG, JPEG, BMP, WebP), so checking or reducing a large image costs one row of memory; other
    /// formats are decoded whole (they are within the pixel cap). With <paramref name="reduced"/>, the first
    /// <paramref name="usedWidth"/>×<paramref name="usedHeight"/> pixels are added into it as 8-bit luminance.
    /// </summary>
    private static SKCodecResult DecodeAll(SKCodec codec, int usedWidth, int usedHeight, int decodeWidth, int decodeHeight, ReducedImage? reduced, CancellationToken cancellation)
    {
        // A grayscale source decodes as one byte a pixel: a quarter of the work and no luminance pass.
        bool gray = codec.Info.ColorType == SKColorType.Gray8;
        var info = new SKImageInfo(decodeWidth, decodeHeight, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var luminance = reduced != null ? new byte[decodeWidth] : null;
        if (codec.StartScanlineDecode(info) == SKCodecResult.Success)
        {
            using var row = new SKBitmap(new SKImageInfo(decodeWidth, 1, info.ColorType, info.AlphaType));
            for (int y = 0; y < decodeHeight; y++)
            {
                if ((y & 63) == 0) cancellation.ThrowIfCancellationRequested();
                if (codec.GetScanlines(row.GetPixels(), 1, info.RowBytes) != 1) return SKCodecResult.IncompleteInput;
                if (reduced != null && y < usedHeight) reduced.AddRow(y, Gray(row.GetPixelSpan(), gray, luminance!).Slice(0, usedWidth));
            }
            return SKCodecResult.Success;
        }
        cancellation.ThrowIfCancellationRequested();
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result == SKCodecResult.Success && reduced != null)
            for (int y = 0; y < usedHeight; y++)
                reduced.AddRow(y, Gray(bitmap.GetPixelSpan().Slice(y * info.RowBytes, info.RowBytes), gray, luminance!).Slice(0, usedWidth));
        return result;
    }

    private static ReadOnlySpan<byte> Gray(ReadOnlySpan<byte> row, bool gray, byte[] luminance)
    {
        if (gray) return row[..luminance.Length];
        Luminance(row, luminance);
        return luminance;
    }

    /// <summary>Pixels averaged over whole factor×factor blocks as rows arrive (factor 1 keeps them as they are).</summary>
    private sealed class ReducedImage(int width, int height, int factor)
    {
        private readonly byte[] result = new byte[(long)width * height];
        // Column sums of the block's rows so far; the block's columns are summed once, at its last row.
        private readonly uint[]? columns = factor > 1 ? new uint[width * factor] : null;
        public int Width => width;
        public int Height => height;

        public void AddRow(int y, ReadOnlySpan<byte> row)
        {
            if (columns == null)
            {
                row.CopyTo(result.AsSpan(y * width, width));
                return;
            }
            AddWidened(row, columns);
            if (y % factor != factor - 1) return;
            uint area = (uint)(factor * factor), outputRow = (uint)(y / factor);
            for (int x = 0; x < width; x++)
            {
                uint sum = 0;
                foreach (uint value in columns.AsSpan(x * factor, factor)) sum += value;
                result[outputRow * width + x] = (byte)((sum + area / 2) / area);
            }
            Array.Clear(columns);
        }

        public byte[] Finish() => result;

        /// <summary>sums[i] += row[i], a vector of bytes at a time (this loop is most of the cost of reducing a large photo).</summary>
        private static void AddWidened(ReadOnlySpan<byte> row, Span<uint> sums)
        {
            int i = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                int step = System.Numerics.Vector<byte>.Count, quarter = System.Numerics.Vector<uint>.Count;
                for (; i <= row.Length - step; i += step)
                {
                    System.Numerics.Vector.Widen(new System.Numerics.Vector<byte>(row[i..]), out var low, out var high);
                    System.Numerics.Vector.Widen(low, out var a, out var b);
                    System.Numerics.Vector.Widen(high, out var c, out var d);
                    (new System.Numerics.Vector<uint>(sums[i..]) + a).CopyTo(sums[i..]);
                    (new System.Numerics.Vector<uint>(sums[(i + quarter)..]) + b).CopyTo(sums[(i + quarter)..]);
                    (new System.Numerics.Vector<uint>(sums[(i + 2 * quarter)..]) + c).CopyTo(sums[(i + 2 * quarter)..]);
                    (new System.Numerics.Vector<uint>(sums[(i + 3 * quarter)..]) + d).CopyTo(sums[(i + 3 * quarter)..]);
                }
            }
            for (; i < row.Length; i++) sums[i] += row[i];
        }
    }

    /// <summary>RGBA to 8-bit luminance with OpenCV's weights (0.299, 0.587, 0.114), so detection sees what cvtColor gives.</summary>
    private static void Luminance(ReadOnlySpan<byte> rgba, Span<byte> gray)
    {
        for (int x = 0; x < gray.Length && 4 * x + 2 < rgba.Length; x++)
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
