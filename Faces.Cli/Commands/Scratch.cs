using Faces.Torch.IO;
using Microsoft.ML;

namespace Faces.Cli.Commands;

/// <summary>
/// A scratch folder the faces process owns for ML.NET's temporary files (by default ML.NET leaves ml_dotnet_* files
/// in the system temp folder for ever): /tmp/faces-scratch/&lt;process id&gt;, removed at exit, and removed by the
/// next run when a killed process could not remove it.
/// </summary>
internal static class Scratch
{
    private static readonly Lazy<string> FolderOnce = new(Create);

    /// <summary>Where this process's scratch lives.</summary>
    public static string Folder => FolderOnce.Value;

    /// <summary>An MLContext whose temporary files go to <see cref="Folder"/>.</summary>
    public static MLContext NewContext(int seed)
    {
        var ml = new MLContext(seed) { TempFilePath = Folder };
        // Warnings from trainers (a class with fewer rows than components, …) reach the console, not only the log.
        ml.Log += (_, e) =>
        {
            if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) Console.WriteLine($"warning: {e.RawMessage}");
        };
        return ml;
    }

    private static string Create()
    {
        string root = Path.Combine(Path.GetTempPath(), "faces-scratch");
        Directory.CreateDirectory(root);
        foreach (var stale in Directory.EnumerateDirectories(root))
            if (int.TryParse(Path.GetFileName(stale), out int id) && id != Environment.ProcessId && !AtomicFile.IsRunning(id))
                TryDelete(stale);
        string folder = Path.Combine(root, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);
        return folder;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still in use or not ours: a later run tries again.
        }
    }
}
