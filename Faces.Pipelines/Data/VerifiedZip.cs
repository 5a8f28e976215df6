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
        try
        {
            return ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not {what} (not a zip archive, or a damaged one): {e.Message}", e);
        }
    }

    /// <summary>An entry's bytes, read whole and checked against its CRC-32 and its stated size.</summary>
    public static byte[] ReadEntry(ZipArchiveEntry entry, string path, long maxBytes = 0x7FFFFFC7)
    {
        string where = $"{path}: entry '{entry.FullName}'";
        if (entry.Length < 0 || entry.Length > maxBytes)
            throw new InvalidDataException($"{where} claims {entry.Length} bytes; at most {maxBytes} are accepted.");
        var bytes = new byte[entry.Length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
            if (stream.ReadByte() != -1) throw new InvalidDataException("it holds more bytes than its header states");
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException($"{where} is damaged: {e.Message}", e);
        }
        uint crc = Crc32.HashToUInt32(bytes);
        if (crc != entry.Crc32)
            throw new InvalidDataException($"{where} is corrupt: its CRC-32 is {crc:x8} but the zip records {entry.Crc32:x8}.");
        return bytes;
    }

    /// <summary>Reads every entry once, checking each one's CRC-32: for archives that another library reads afterwards.</summary>
    public static void VerifyAll(string path, string what)
    {
        using var zip = Open(path, what);
        foreach (var entry in zip.Entries) ReadEntry(entry, path);
    }
}
