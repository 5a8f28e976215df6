using System.IO.Compression;
using System.Text;

namespace Faces.Tests.Pipelines;

/// <summary>Writes .npy/.npz files the way NumPy lays them out, so the loaders are tested on files this test makes.</summary>
internal static class NumpyFiles
{
    /// <summary>An .npy stream: magic, version, padded header dict, raw data (already in the dtype's byte order).</summary>
    public static byte[] Npy(string descr, int[] shape, byte[] data, bool fortran = false, int version = 1)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - prefix - 1) + "\n";
        using var stream = new MemoryStream();
        stream.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0 });
        if (version == 1) stream.Write(BitConverter.GetBytes((ushort)header.Length));
        else stream.Write(BitConverter.GetBytes((uint)header.Length));
        stream.Write(Encoding.Latin1.GetBytes(header));
        stream.Write(data);
        return stream.ToArray();
    }

    public static byte[] Bytes(IEnumerable<byte> values) => values.ToArray();
    public static byte[] Floats(IEnumerable<float> values) => values.SelectMany(BitConverter.GetBytes).ToArray();
    public static byte[] DoublesBigEndian(IEnumerable<double> values) => values.SelectMany(v => BitConverter.GetBytes(v).Reverse()).ToArray();
    public static byte[] Longs(IEnumerable<long> values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>An .npz: a zip of name.npy members, deflated (savez_compressed) or stored (savez).</summary>
    public static void Npz(string path, IReadOnlyDictionary<string, byte[]> arrays, bool compressed)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in arrays)
        {
            var entry = zip.CreateEntry(name + ".npy", compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
            using var stream = entry.Open();
            stream.Write(bytes);
        }
    }

    /// <summary>A TFD-like .npz with uint8 pixels and int64 class indices (or one-hot float rows).</summary>
    public static void Tfd(string path, int[] counts, bool oneHot, bool compressed, int seed = 1, Action<Dictionary<string, byte[]>>? edit = null)
    {
        var random = new Random(seed);
        var arrays = new Dictionary<string, byte[]>();
        string[] splits = { "train", "valid", "test" };
        for (int s = 0; s < 3; s++)
        {
            int n = counts[s];
            var pixels = new byte[n * 2304];
            random.NextBytes(pixels);
            arrays[$"inputs_{splits[s]}"] = Npy("|u1", new[] { n, 2304 }, pixels);
            var labels = Enumerable.Range(0, n).Select(i => (i + s) % 7).ToArray();
            arrays[$"target_{splits[s]}"] = oneHot
                ? Npy("<f4", new[] { n, 7 }, Floats(labels.SelectMany(l => Enumerable.Range(0, 7).Select(c => c == l ? 1f : 0f))))
                : Npy("<i8", new[] { n }, Longs(labels.Select(l => (long)l)));
        }
        edit?.Invoke(arrays);
        Npz(path, arrays, compressed);
    }
}
