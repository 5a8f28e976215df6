using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Faces.Cli.Serving;

/// <summary>
/// Holds the model being served and replaces it when its file changes on disk (like PredictionEnginePool's watch
/// option): the new file is loaded completely first, then swapped in with one reference write, so a request sees the
/// old model or the new one, never half of either. A file that fails to load — damaged, deleted, not a model, or any
/// error at all — leaves the old model serving; the error is logged and kept for <c>GET /api/model</c>, naming the
/// file by its name only.
/// </summary>
internal sealed class ModelWatcher : IDisposable
{
    private readonly string path;
    private readonly FileSystemWatcher watcher;
    private readonly Timer debounce;
    private ExpressionModel current;
    private string? lastReloadError;

    /// <summary>The model to use for one request (read once per request).</summary>
    public ExpressionModel Current => Volatile.Read(ref current);
    /// <summary>The last reload's error (the file named by its name alone), or null.</summary>
    public string? LastReloadError => Volatile.Read(ref lastReloadError);
    /// <summary>Where failed reloads are logged (the server sets its own once built).</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;
    /// <summary>Raised after a successful reload.</summary>
    public event Action<ExpressionModel>? Reloaded;

    /// <summary>Raised after every reload attempt: true when the new model is served, false when the old one stays.</summary>
    public event Action<bool>? ReloadFinished;

    /// <summary>Loads the model now (an error here is the caller's, as at start-up); later changes reload it.</summary>
    public ModelWatcher(string path)
    {
        this.path = Path.GetFullPath(path);
        current = ExpressionModel.Load(new Microsoft.ML.MLContext(1), this.path);
        debounce = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        watcher = new FileSystemWatcher(Path.GetDirectoryName(this.path)!, Path.GetFileName(this.path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName | NotifyFilters.CreationTime,
        };
        // Saves are temp-then-rename: wait for the writes to settle, then load once. A deletion is reported the same way.
        watcher.Changed += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.Created += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.Renamed += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.Deleted += (_, _) => debounce.Change(300, Timeout.Infinite);
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>Loads the file again now; returns whether the new model is being served. Never throws.</summary>
    public bool Reload()
    {
        try
        {
            var loaded = ExpressionModel.Load(new Microsoft.ML.MLContext(1), path);
            Volatile.Write(ref current, loaded);
            Volatile.Write(ref lastReloadError, null);
            Reloaded?.Invoke(loaded);
            ReloadFinished?.Invoke(true);
            return true;
        }
        // Every failure, whatever its type: this runs on a timer thread, where an escaping exception ends the process.
        catch (Exception e)
        {
            string name = Path.GetFileName(path);
            string error = e is FileNotFoundException && !File.Exists(path)
                ? $"The model file {name} was deleted; still serving the model loaded at {Current.LoadedUtc:u}."
                : $"{e.Message.Replace(path, name, StringComparison.Ordinal)} Still serving the model loaded at {Current.LoadedUtc:u}.";
            Volatile.Write(ref lastReloadError, error);
            Logger.LogWarning("Model reload failed ({Kind}): {Error}", e.GetType().Name, error);
            ReloadFinished?.Invoke(false);
            return false;
        }
    }

    public void Dispose()
    {
        watcher.Dispose();
        debounce.Dispose();
    }
}
