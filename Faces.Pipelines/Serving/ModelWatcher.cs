namespace Faces.Pipelines.Serving;

/// <summary>
/// Holds the model being served and replaces it when its file changes on disk (like PredictionEnginePool's watch
/// option): the new file is loaded completely first, then swapped in with one reference write, so a request sees the
/// old model or the new one, never half of either. A file that fails to load leaves the old model serving.
/// </summary>
public sealed class ModelWatcher : IDisposable
{
    private readonly string path;
    private readonly FileSystemWatcher watcher;
    private readonly Timer debounce;
    private ServedModel current;

    /// <summary>The model to use for one request (read once per request).</summary>
    public ServedModel Current => Volatile.Read(ref current);
    /// <summary>The last reload's error, or null.</summary>
    public string? LastReloadError { get; private set; }
    /// <summary>Raised after a successful reload.</summary>
    public event Action<ServedModel>? Reloaded;

    public ModelWatcher(string path)
    {
        this.path = Path.GetFullPath(path);
        current = ServedModel.Load(this.path);
        debounce = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        watcher = new FileSystemWatcher(Path.GetDirectoryName(this.path)!, Path.GetFileName(this.path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        // Saves are temp-then-rename: wait for the writes to settle, then load once.
        watcher.Changed += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.Created += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.Renamed += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>Loads the file again now; returns whether the new model is being served.</summary>
    public bool Reload()
    {
        try
        {
            var loaded = ServedModel.Load(path);
            Volatile.Write(ref current, loaded);
            LastReloadError = null;
            Reloaded?.Invoke(loaded);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FileNotFoundException or UnauthorizedAccessException)
        {
            LastReloadError = e.Message;
            return false;
        }
    }

    public void Dispose()
    {
        watcher.Dispose();
        debounce.Dispose();
    }
}
