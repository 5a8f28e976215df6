using Faces.Pipelines.Data;

namespace Faces.Pipelines.Data.Numpy;

/// <summary>
/// Reads the arrays of a NumPy .npz file (a zip of .npy members, stored or deflated: np.savez and np.savez_compressed).
/// Each member is checked against its CRC-32 before it is parsed.
/// </summary>
public static class NpzArchive
{
    /// <summary>All arrays, keyed by member name without ".npy".</summary>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        using var zip = VerifiedZip.Open(path, "an .npz file");
        var arrays = new Dictionary<string, NpyArray>();
        foreach (var entry in zip.Entries)
        {
            if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
            string key = entry.FullName[..^4];
            var bytes = VerifiedZip.ReadEntry(entry, path);
            arrays[key] = NpyArray.Read(new MemoryStream(bytes), $"{path}: array '{key}'", bytes.Length);
        }
        return arrays;
    }
}
