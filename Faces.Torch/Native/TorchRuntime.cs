using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using TorchSharp;

namespace Faces.Torch.Native;

/// <summary>TorchSharp's native library could not be loaded; the message names the file and the cause.</summary>
public sealed class TorchNativeLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Loads TorchSharp's native library before TorchSharp does, so that a failure surfaces as one clear
/// <see cref="TorchNativeLoadException"/> rather than TorchSharp's misleading "install libtorch-cpu" error
/// (and its ~1 GB copy into bin/cpu). Every Faces entry point that touches <c>torch</c> calls <see cref="EnsureInitialized"/>.
/// </summary>
public static partial class TorchRuntime
{
    private static readonly Lazy<string> Initialised = new(Initialise, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Loads the native library once per process; throws <see cref="TorchNativeLoadException"/> on failure.</summary>
    public static void EnsureInitialized() => _ = Initialised.Value;

    /// <summary>Where libLibTorchSharp.so was loaded from (null off Linux, where TorchSharp loads it itself).</summary>
    public static string? NativeLibraryPath => Initialised.Value.Length == 0 ? null : Initialised.Value;

    private static string Initialise()
    {
        string loadedFrom = "";
        if (OperatingSystem.IsLinux())
        {
            string? path = FindLibTorchSharp();
            if (path != null)
            {
                try
                {
                    NativeLibrary.Load(path);
                    loadedFrom = path;
                }
                catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
                {
                    throw new TorchNativeLoadException(Describe(path, e.Message), e);
                }
            }
        }
        try
        {
            // Touching torch runs TorchSharp's own loader (a no-op when the library is already in the process).
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e)
        {
            throw new TorchNativeLoadException($"TorchSharp could not initialise libtorch: {Innermost(e).Message}", e);
        }
        return loadedFrom;
    }

    /// <summary>The message for a library the dynamic loader refused, naming the file and any missing symbol version.</summary>
    public static string Describe(string path, string loaderMessage)
    {
        var missing = MissingVersion().Match(loaderMessage);
        if (missing.Success)
            return $"TorchSharp's native library {path} needs symbol version {missing.Groups[1].Value}, which this system's libstdc++ " +
                   $"does not provide. Faces' build writes a copy with that requirement marked weak: rebuild the project that " +
                   $"runs (dotnet build), or build with -p:FacesTorchNativeFix=true if it was built on another machine. " +
                   $"Loader: {loaderMessage.Trim()}";
        return $"TorchSharp's native library {path} could not be loaded: {loaderMessage.Trim()}";
    }

    private static string? FindLibTorchSharp()
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        var folders = new List<string> { AppContext.BaseDirectory };
        string? torchFolder = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        if (!string.IsNullOrEmpty(torchFolder)) folders.Add(torchFolder);
        foreach (var folder in folders)
        {
            foreach (var candidate in new[]
                     {
                         Path.Combine(folder, "libLibTorchSharp.so"),
                         Path.Combine(folder, "runtimes", rid, "native", "libLibTorchSharp.so"),
                     })
            {
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }

    [GeneratedRegex(@"version [`'‘]?([A-Za-z_]+[0-9][0-9.]*)['’]? not found")]
    private static partial Regex MissingVersion();
}
