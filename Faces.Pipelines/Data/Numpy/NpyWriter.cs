using System.Globalization;
using System.Text;
using Faces.Torch.IO;

namespace Faces.Pipelines.Data.Numpy;

/// <summary>Writes little-endian float32 and float64 C-order .npy files (format 1.0), for handing arrays to a Python peer.</summary>
public static class NpyWriter
{
    /// <summary>Writes <paramref name="values"/> with <paramref name="shape"/> to <paramref name="path"/> (temporary name, then renamed).</summary>
    public static void WriteFloat32(string path, IReadOnlyList<long> shape, ReadOnlySpan<float> values) =>
        Write(path, shape, values.Length, "<f4", values.ToArray(), (writer, v) => writer.Write(v));

    /// <summary>Writes <paramref name="values"/> (float64) with <paramref name="shape"/> to <paramref name="path"/>.</summary>
    public static void WriteFloat64(string path, IReadOnlyList<long> shape, ReadOnlySpan<double> values) =>
        Write(path, shape, values.Length, "<f8", values.ToArray(), (writer, v) => writer.Write(v));

    private static void Write<T>(string path, IReadOnlyList<long> shape, int length, string descr, T[] values, Action<BinaryWriter, T> write)
    {
        long count = shape.Aggregate(1L, (a, b) => checked(a * b));
        if (count != length) throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} values; got {length}.");
        string dims = shape.Count == 1 ? shape[0].ToString(CultureInfo.InvariantCulture) + "," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        // Magic (6) + version (2) + header length (2) + header + newline, padded with spaces to a multiple of 64.
        int total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";
        AtomicFile.Write(path, (Stream file) =>
        {
            using var writer = new BinaryWriter(file, Encoding.ASCII, leaveOpen: true);
            writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
            writer.Write((ushort)header.Length);
            writer.Write(Encoding.ASCII.GetBytes(header));
            foreach (var v in values) write(writer, v);
        });
    }
}
