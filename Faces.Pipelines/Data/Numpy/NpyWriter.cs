using System.Globalization;
using System.Text;
using Faces.Torch.IO;

namespace Faces.Pipelines.Data.Numpy;

/// <summary>Writes little-endian float32 C-order .npy files (format 1.0), for handing arrays to a Python peer.</summary>
public static class NpyWriter
{
    /// <summary>Writes <paramref name="values"/> with <paramref name="shape"/> to <paramref name="path"/> (temporary name, then renamed).</summary>
    public static void WriteFloat32(string path, IReadOnlyList<long> shape, ReadOnlySpan<float> values)
    {
        long count = shape.Aggregate(1L, (a, b) => checked(a * b));
        if (count != values.Length) throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} values; got {values.Length}.");
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + header length (2) + header + newline, padded with spaces to a multiple of 64.
        int total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        var bytes = values.ToArray();
        AtomicFile.Write(path, (Stream file) =>
        {
            using var writer = new BinaryWriter(file, Encoding.ASCII, leaveOpen: true);
            writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
            writer.Write((ushort)header.Length);
            writer.Write(Encoding.ASCII.GetBytes(header));
            foreach (float v in bytes) writer.Write(v);
        });
    }
}
