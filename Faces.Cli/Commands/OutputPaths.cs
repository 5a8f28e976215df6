namespace Faces.Cli.Commands;

/// <summary>
/// Checks, before any training starts, that what a command will write can be written: a read-only folder or an
/// --out that names a folder must not cost the user every epoch of a long run.
/// </summary>
internal static class OutputPaths
{
    /// <summary>A file <paramref name="option"/> will write: not a folder, and its folder writable.</summary>
    public static void CheckFile(string path, string option)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"{option} {path} is a folder; give a file name such as {Path.Combine(path, "model.zip")}.");
        CheckFolder(Path.GetDirectoryName(Path.GetFullPath(path))!, option);
    }

    /// <summary>A folder <paramref name="option"/> will write into: created if missing, and a probe file can be written there.</summary>
    public static void CheckFolder(string folder, string option)
    {
        if (File.Exists(folder)) throw new ArgumentException($"{option} {folder} is a file; a folder is needed.");
        string probe = Path.Combine(folder, $".faces-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            using (File.Create(probe, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option} {folder} cannot be written: {e.Message}", e);
        }
    }
}
