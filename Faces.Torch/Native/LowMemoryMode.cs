using System.Runtime.InteropServices;

namespace Faces.Torch.Native;

/// <summary>
/// Training in less memory for some time (docs/real-faces.md has both, measured): glibc's malloc gives every block of
/// <see cref="MappingThreshold"/> bytes or more a mapping of its own, handed back to the system when it is freed, instead
/// of carving it from a heap whose freed space the process keeps (libtorch's activations and gradients come and go in
/// many sizes, and the heap's holes outgrow them); and libtorch backs its tensors of 2 MiB or more with transparent huge
/// pages, so that a fresh mapping costs one page fault per 2 MiB instead of one per 4 KiB.
/// </summary>
/// <remarks>
/// Both settings are process-wide and belong to an application, not a library, to choose; Linux with glibc only.
/// libtorch reads its huge-page setting (<c>THP_MEM_ALLOC_ENABLE</c>) once, at its first tensor: call
/// <see cref="Enable"/> before any tensor is made. Settings the user put in the environment
/// (<c>MALLOC_MMAP_THRESHOLD_</c>, <c>THP_MEM_ALLOC_ENABLE</c>) win.
/// </remarks>
public static partial class LowMemoryMode
{
    /// <summary>Blocks of at least this many bytes get their own mapping (1 MiB: every activation of a training batch).</summary>
    public const int MappingThreshold = 1 << 20;

    // glibc's malloc.h.
    private const int MmapThresholdParameter = -3;

    /// <summary>Applies both settings; returns a sentence saying what is in force, or why nothing changed.</summary>
    public static string Enable()
    {
        if (!OperatingSystem.IsLinux())
            return "low-memory mode needs Linux (glibc's malloc); nothing changed.";
        var applied = new List<string>();
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is { } given)
            applied.Add($"glibc's mmap threshold stays the environment's MALLOC_MMAP_THRESHOLD_={given}");
        else if (SetMallocOption(MmapThresholdParameter, MappingThreshold) == 1)
            applied.Add($"blocks of {MappingThreshold / (1 << 20)} MiB or more in mappings of their own");
        else
            return "low-memory mode: glibc refused the mmap threshold; nothing changed.";
        // overwrite = 0: a value already in the environment stays.
        SetEnvironment("THP_MEM_ALLOC_ENABLE", "1", 0);
        applied.Add($"libtorch's large tensors on transparent huge pages (THP_MEM_ALLOC_ENABLE={NativeEnvironment("THP_MEM_ALLOC_ENABLE")})");
        return $"Low-memory mode: {string.Join("; ", applied)}.";
    }

    /// <summary>A variable as native code sees it (.NET's own view of the environment is a copy taken at start-up).</summary>
    public static string? NativeEnvironment(string name) => Marshal.PtrToStringUTF8(GetEnvironment(name));

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int SetMallocOption(int parameter, int value);

    [LibraryImport("libc.so.6", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport("libc.so.6", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnvironment(string name);
}
