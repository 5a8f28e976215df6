using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Faces.Torch.IO;

/// <summary>
/// Writes a file under a temporary name in its own folder, then renames it into place, so a reader never sees a
/// half-written file and a crash leaves the old one intact. Temporary names carry the writer's process id, so a later
/// run removes what a killed one left (<see cref="RemoveStale"/>) without touching a live writer's file.
/// </summary>
public static partial class AtomicFile
{
    /// <summary>Calls <paramref name="write"/> with a temporary path beside <paramref name="path"/>, then renames it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        RemoveStale(folder);
        string temporary = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            write(temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="write"/>'s stream output to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Action<Stream> write) => Write(path, temporary =>
    {
        using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write);
        write(file);
        file.Flush(flushToDisk: true);
    });

    /// <summary>Deletes temporary files in <paramref name="folder"/> whose writing process no longer runs.</summary>
    public static void RemoveStale(string folder)
    {
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.EnumerateFiles(folder, "*.tmp-*"))
        {
            var match = TemporaryName().Match(Path.GetFileName(file));
            if (!match.Success || IsRunning(int.Parse(match.Groups[1].Value))) continue;
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another run is cleaning the same folder; either of them removing it is enough.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to remove.
            }
        }
    }

    /// <summary>Whether a process with this id runs now (an id reused by another program counts as running: nothing is removed wrongly).</summary>
    public static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\.tmp-(\d{1,9})-[0-9a-f]{32}$")]
    private static partial Regex TemporaryName();
}
