using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Faces.Torch.Training;

namespace Faces.Torch.Models;

/// <summary>
/// The network file format: "FACESNET", int32 version (1: the study's MLP and CNN; 2: adds the real-face network, whose
/// weights carry batch norm's running statistics — written only for it, so files of the study's networks stay readable
/// by older builds), architecture JSON, architecture JSON, learning-curve JSON, int64 weight
/// byte count, SHA-256 of the weights, then the weights in TorchSharp's own format (not PyTorch's). Every length is
/// checked against what the stream holds, and the checksum before the weights are used.
/// </summary>
public static class NetworkFile
{
    private static readonly byte[] Magic = "FACESNET"u8.ToArray();
    /// <summary>The newest version written and read.</summary>
    public const int FormatVersion = 2;

    /// <summary>The version a file of <paramref name="architecture"/> is written with: the oldest that can hold it.</summary>
    public static int VersionFor(NetworkArchitecture architecture) => architecture is ExpressionNetArchitecture ? 2 : 1;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Writes one network; the stream stays open.</summary>
    public static void Write(Stream stream, NetworkArchitecture architecture, IReadOnlyList<EpochRecord> curve, byte[] weights)
    {
        using var output = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        output.Write(Magic);
        output.Write(VersionFor(architecture));
        output.Write(JsonSerializer.Serialize(architecture, Json));
        output.Write(JsonSerializer.Serialize(curve, Json));
        output.Write((long)weights.Length);
        output.Write(SHA256.HashData(weights));
        output.Write(weights);
    }

    /// <summary>Reads what <see cref="Write"/> wrote; <paramref name="source"/> names the stream in errors.</summary>
    public static (NetworkArchitecture Architecture, IReadOnlyList<EpochRecord> Curve, byte[] Weights) Read(Stream stream, string source)
    {
        using var input = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            byte[] magic = input.ReadBytes(Magic.Length);
            if (!magic.AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"{source} is not a Faces network file (it does not start with FACESNET).");
            int version = input.ReadInt32();
            if (version > FormatVersion)
                throw new InvalidDataException($"{source} was written by a newer Faces (network format {version}; this build reads up to {FormatVersion}).");
            var architecture = JsonSerializer.Deserialize<NetworkArchitecture>(input.ReadString(), Json)
                               ?? throw new InvalidDataException($"{source}: the architecture is missing.");
            var curve = JsonSerializer.Deserialize<EpochRecord[]>(input.ReadString(), Json) ?? Array.Empty<EpochRecord>();
            long length = input.ReadInt64();
            long available = stream.CanSeek ? stream.Length - stream.Position - 32 : Array.MaxLength;
            if (length < 0 || length > available || length > Array.MaxLength)
                throw new InvalidDataException($"{source}: the weight block claims {length} bytes but {(stream.CanSeek ? available : Array.MaxLength)} can follow.");
            byte[] hash = input.ReadBytes(32);
            byte[] weights = input.ReadBytes((int)length);
            if (weights.Length != length) throw new InvalidDataException($"{source}: the weights are truncated ({weights.Length} of {length} bytes).");
            if (!SHA256.HashData(weights).AsSpan().SequenceEqual(hash))
                throw new InvalidDataException($"{source}: the weights are corrupt (checksum mismatch).");
            return (architecture, curve, weights);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"{source} is truncated or not a Faces network file: {e.Message}", e);
        }
    }
}
