using System.IO.Compression;
using System.IO.Hashing;

namespace Faces.Pipelines.Data;

/// <summary>
/// Zip reading that trusts nothing: every entry read is checked against the CRC-32 its header records (.NET's reader
/// does not check it), sizes are bounded before buffers are allocated, and every failure names the file and entry.
/// </summary>
public static class VerifiedZip
{
    /// <summary>Opens a zip, turning .NET's unnamed errors ("A local file header is corrupt.") into ones naming the file.</summary>
    public static ZipArchive Open(string path, string what)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"File not found: {path}", path);
        ZipArchive? zip = null;
        try
        {
            zip = ZipFile.OpenRead(path);
            _ = zip.Entries.Count; // the central directory is read lazily: read it here, where errors are named
            return zip;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException)
        {
            zip?.Dispose();
            throw new InvalidDataException($"{path} is not {what} (not a zip archive, or a damaged one): {e.Message}", e);
        }
    }

    /// <summary>An entry's bytes, read whole and checked against its CRC-32 and its stated size.</summary>
    public static byte[] ReadEntry(ZipArchiveEntry entry, string path, long maxBytes = 0x7FFFFFC7)
    {
        string where = $"{path}: entry '{entry.FullName}'";
        if (entry.Length < 0 || entry.Length > maxBytes)
            throw new InvalidDataException($"{where} claims {entry.Length} bytes; at most {maxBytes} are accepted.");
        byte[] bytes;
        try
        {
            // Grown as data arrives: a header claiming a gigabyte costs nothing until the bytes are really there.
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            var chunk = new byte[(int)Math.Min(Math.Max(entry.Length, 1), 1 << 20)];
            int read;
            while ((read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, entry.Length + 1 - buffer.Length))) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > entry.Length) throw new InvalidDataException("it holds more bytes than its header states");
            }
            if (buffer.Length != entry.Length)
                throw new InvalidDataException($"it ends after {buffer.Length} of the {entry.Length} bytes its header states");
            bytes = buffer.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException or NotSupportedException)
        {
            throw new InvalidDataException($"{where} is damaged: {e.Message}", e);
        }
        uint crc = Crc32.HashToUInt32(bytes);
        if (crc != entry.Crc32)
            throw new InvalidDataException($"{where} is corrupt: its CRC-32 is {crc:x8} but the zip records {entry.Crc32:x8}.");
        return bytes;
    }
}
