using System.Security.Cryptography;

namespace Faces.MLNet.Internals;

/// <summary>
/// A length-prefixed, SHA-256-checked block inside a model entry: int32 length, 32-byte hash, payload. Reading checks
/// the length against what the stream can hold and the hash against the bytes before anything is parsed from them, so
/// a damaged model is an error that says so rather than a huge allocation or a silently wrong parameter.
/// </summary>
internal static class ChecksummedBlock
{
    private const int HashLength = 32;

    /// <summary>Writes what <paramref name="writePayload"/> writes as one checked block.</summary>
    public static void Write(BinaryWriter writer, Action<BinaryWriter> writePayload)
    {
        using var buffer = new MemoryStream();
        using (var payload = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) writePayload(payload);
        var bytes = buffer.ToArray();
        writer.Write(bytes.Length);
        writer.Write(SHA256.HashData(bytes));
        writer.Write(bytes);
    }

    /// <summary>Reads a block's verified payload; <paramref name="what"/> names it in errors.</summary>
    public static byte[] Read(BinaryReader reader, string what)
    {
        int length = reader.ReadInt32();
        var stream = reader.BaseStream;
        long available = stream.CanSeek ? stream.Length - stream.Position - HashLength : int.MaxValue;
        if (length < 0 || length > available)
            throw new InvalidDataException($"{what} is damaged: its block claims {length} bytes but {Math.Max(available, 0)} follow.");
        var hash = reader.ReadBytes(HashLength);
        // Read in pieces: a stream that cannot say its length still allocates only what it really holds.
        using var payload = new MemoryStream();
        var chunk = new byte[Math.Min(length, 1 << 20)];
        while (payload.Length < length)
        {
            int read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, length - payload.Length));
            if (read == 0) throw new InvalidDataException($"{what} is truncated: {payload.Length} of {length} bytes.");
            payload.Write(chunk, 0, read);
        }
        var bytes = payload.ToArray();
        if (hash.Length != HashLength || !SHA256.HashData(bytes).AsSpan().SequenceEqual(hash))
            throw new InvalidDataException($"{what} is corrupt (checksum mismatch).");
        return bytes;
    }

    /// <summary>Whether <paramref name="count"/> values of <paramref name="size"/> bytes can still follow in <paramref name="reader"/>'s stream.</summary>
    public static void CheckRemaining(BinaryReader reader, long count, int size, string what)
    {
        var stream = reader.BaseStream;
        if (count < 0 || (stream.CanSeek && count > (stream.Length - stream.Position) / size))
            throw new InvalidDataException($"{what} is damaged: it claims {count} values, more than the model holds.");
    }
}
