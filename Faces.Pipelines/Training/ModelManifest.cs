using System.IO.Compression;
using System.Security.Cryptography;
using Faces.Pipelines.Data;

namespace Faces.Pipelines.Training;

/// <summary>
/// A SHA-256 of every entry of a saved model .zip, stored in the .zip itself (ML.NET ignores entries it does not know).
/// The CRC-32 of each entry catches accidents; this catches an entry changed and re-zipped, in ML.NET's parts of the
/// model as well as Faces' own, before ML.NET reads any of it. The list is required in every .zip that carries Faces'
/// provenance (<see cref="ModelProvenance.EntryName"/>): Faces has written both since provenance began. Only .zips
/// without provenance may lack it: models saved before provenance existed, and pipelines saved by ML.NET's own
/// <c>mlContext.Model.Save</c>.
/// </summary>
public static class ModelManifest
{
    /// <summary>The entry's name: format version 1, lines of "hex-sha256 entry-name".</summary>
    public const string EntryName = "FacesChecksums.v1.txt";

    /// <summary>Adds the manifest to a freshly saved model .zip.</summary>
    public static void Add(string path)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var lines = zip.Entries.Where(e => e.FullName != EntryName).OrderBy(e => e.FullName, StringComparer.Ordinal)
            .Select(e => $"{Hash(e)} {e.FullName}").ToList();
        zip.GetEntry(EntryName)?.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(EntryName).Open());
        foreach (var line in lines) writer.Write(line + "\n");
    }

    /// <summary>Checks every entry's CRC-32 and, when the manifest is there, every entry's SHA-256 and that none was added or removed.</summary>
    public static void Verify(string path)
    {
        using var zip = VerifiedZip.Open(path, "a model .zip");
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
            if (!contents.TryAdd(entry.FullName, VerifiedZip.ReadEntry(entry, path)))
                throw new InvalidDataException($"{path}: entry '{entry.FullName}' appears more than once, so which one a reader takes is undefined.");
        if (!contents.TryGetValue(EntryName, out var manifest))
        {
            if (contents.ContainsKey(ModelProvenance.EntryName))
                throw new InvalidDataException($"{path}: its checksum list ({EntryName}) is missing, though the model carries Faces' provenance, which is always saved with it.");
            return;
        }
        var expected = new Dictionary<string, string>();
        foreach (var line in System.Text.Encoding.UTF8.GetString(manifest).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int space = line.IndexOf(' ');
            if (space != 64) throw new InvalidDataException($"{path}: its checksum list is damaged.");
            expected[line[(space + 1)..]] = line[..space];
        }
        foreach (var (name, bytes) in contents)
        {
            if (name == EntryName) continue;
            if (!expected.Remove(name, out var hash))
                throw new InvalidDataException($"{path}: entry '{name}' was added after the model was saved.");
            if (!string.Equals(hash, Convert.ToHexStringLower(SHA256.HashData(bytes)), StringComparison.Ordinal))
                throw new InvalidDataException($"{path}: entry '{name}' is corrupt (SHA-256 mismatch).");
        }
        if (expected.Count > 0)
            throw new InvalidDataException($"{path}: entry '{expected.Keys.First()}' is missing.");
    }

    private static string Hash(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
