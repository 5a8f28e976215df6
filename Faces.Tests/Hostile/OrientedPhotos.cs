using SkiaSharp;

namespace Faces.Tests.Hostile;

/// <summary>
/// Photos stored the way cameras store them: the pixels turned for one of the eight EXIF orientations and the tag
/// saying how to turn them back. The stored pixels are built from the EXIF definition of each tag (which side of the
/// picture the stored first row and first column are), independently of how Faces undoes them.
/// </summary>
internal static class OrientedPhotos
{
    /// <summary>The upright RGBA picture stored for <paramref name="orientation"/> (1–8), as a JPEG carrying that tag.</summary>
    public static byte[] Jpeg(SKBitmap upright, int orientation, int quality = 95)
    {
        using var stored = Stored(upright, orientation);
        using var image = SKImage.FromBitmap(stored);
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, quality);
        return WithOrientationTag(data.ToArray(), orientation);
    }

    /// <summary>The stored pixels: S[r][c] = U[...] read off the tag's definition.</summary>
    public static SKBitmap Stored(SKBitmap upright, int orientation)
    {
        int w = upright.Width, h = upright.Height;
        bool quarter = orientation >= 5;
        var stored = new SKBitmap(quarter ? h : w, quarter ? w : h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (int r = 0; r < stored.Height; r++)
        for (int c = 0; c < stored.Width; c++)
        {
            // Row 0 of the stored picture is the visual top (1–3 with row order kept, 4 bottom), left side (5, 8) or
            // right side (6, 7); column 0 is the visual left (1, 4), right (2, 3), top (5, 6) or bottom (7, 8).
            var (x, y) = orientation switch
            {
                1 => (c, r),
                2 => (w - 1 - c, r),
                3 => (w - 1 - c, h - 1 - r),
                4 => (c, h - 1 - r),
                5 => (r, c),
                6 => (w - 1 - r, c),
                7 => (w - 1 - r, h - 1 - c),
                8 => (r, h - 1 - c),
                _ => throw new ArgumentOutOfRangeException(nameof(orientation)),
            };
            stored.SetPixel(c, r, upright.GetPixel(x, y));
        }
        return stored;
    }

    /// <summary>A JPEG with an APP1 Exif segment holding only the orientation tag (0x0112), right after the SOI marker.</summary>
    public static byte[] WithOrientationTag(byte[] jpeg, int orientation)
    {
        if (jpeg[0] != 0xFF || jpeg[1] != 0xD8) throw new ArgumentException("Not a JPEG.");
        var tiff = new List<byte> { (byte)'I', (byte)'I', 42, 0, 8, 0, 0, 0 }; // little-endian TIFF header, IFD at 8
        tiff.AddRange(new byte[] { 1, 0 });                                   // one entry
        tiff.AddRange(new byte[] { 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0 }); // Orientation, SHORT, 1 value
        tiff.AddRange(new byte[] { 0, 0, 0, 0 });                             // no next IFD
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        var segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg[..2].Concat(segment).Concat(jpeg[2..]).ToArray();
    }

    /// <summary>A PNG of <paramref name="width"/>x<paramref name="height"/> 8-bit grayscale zeros, compressed as far as zlib goes (a "pixel bomb").</summary>
    public static byte[] ZeroPng(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A });
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth; colour type 0 (gray), compression, filter, interlace 0
        Chunk(output, "IHDR", header);
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1]; // filter byte 0, then the row's zeros
            for (int y = 0; y < height; y++) zlib.Write(row);
        }
        Chunk(output, "IDAT", compressed.ToArray());
        Chunk(output, "IEND", Array.Empty<byte>());
        return output.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        var length = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        var typeAndData = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        output.Write(typeAndData);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, System.IO.Hashing.Crc32.HashToUInt32(typeAndData));
        output.Write(crc);
    }
}
