using System.IO.Compression;

namespace Faces.Pipelines.Data.Numpy;

/// <summary>Reads the arrays of a NumPy .npz file (a zip of .npy members, stored or deflated: np.savez and np.savez_compressed).</summary>
public static class NpzArchive
{
    /// <summary>All arrays, keyed by member name without ".npy".</summary>
    public static Dictionary<string, NpyArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file not found: {path}", path);
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not an .npz file (not a zip archive): {e.Message}", e);
        }
        using (zip)
        {
            var arrays = new Dictionary<string, NpyArray>();
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string key = entry.FullName[..^4];
                using var stream = entry.Open();
                arrays[key] = NpyArray.Read(stream, $"{path}: array '{key}'");
            }
            return arrays;
        }
    }
}
