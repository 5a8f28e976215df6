using System.Runtime.InteropServices;

namespace Faces.Torch.Native;

/// <summary>
/// How glibc's allocator treats libtorch's large tensors. By default glibc raises its mmap threshold to the size of the
/// largest mapped block freed so far (up to 32 MiB): after the first training step, a step's activations come from the
/// heap, and the freed space stays in the process for reuse, so a training run's RSS creeps up epoch after epoch. A
/// fixed threshold gives every block of at least <see cref="MapThresholdBytes"/> its own mapping, handed back to the
/// system when the tensor is freed. The price is page faults on each new large tensor (docs/real-faces.md measures both).
/// </summary>
public static partial class NativeHeap
{
    /// <summary>Blocks of this size or more are mapped on their own: 1 MiB.</summary>
    public const int MapThresholdBytes = 1 << 20;

    /// <summary>The environment variable through which glibc takes the same setting; when it is set, the user's value stands.</summary>
    public const string ThresholdVariable = "MALLOC_MMAP_THRESHOLD_";

    private const int MmapThresholdParameter = -3; // M_MMAP_THRESHOLD in glibc's malloc.h

    /// <summary>
    /// Fixes glibc's mmap threshold at <see cref="MapThresholdBytes"/> for the rest of the process; false where it does
    /// not apply: not Linux, a C library without <c>mallopt</c> (musl), or <see cref="ThresholdVariable"/> already set.
    /// </summary>
    public static bool ReturnLargeBlocksToTheSystem()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(ThresholdVariable) != null) return false;
        try
        {
            return fixedThreshold = SetOption(MmapThresholdParameter, MapThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The allocator's setting in this process, in words (for <c>faces info</c>).</summary>
    public static string Describe() =>
        fixedThreshold ? $"blocks of {MapThresholdBytes >> 20} MiB or more mapped on their own and handed back when freed (glibc's mmap threshold fixed)"
        : Environment.GetEnvironmentVariable(ThresholdVariable) is { } value ? $"glibc's mmap threshold from {ThresholdVariable}={value}"
        : "the C library's default";

    private static bool fixedThreshold;

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int SetOption(int parameter, int value);
}
