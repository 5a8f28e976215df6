using System.Runtime.InteropServices;
using Faces.Tests.Concurrency;
using Faces.Torch.Native;

namespace Faces.Tests.Torch;

/// <summary>
/// Low-memory mode puts a block above its threshold in a mapping of its own even after glibc has raised its own
/// threshold, and leaves libtorch's huge-page setting in the environment native code reads. It changes malloc for the
/// rest of the process, so it runs alone.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class LowMemoryModeTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MallocInfo
    {
        public nuint Arena, OrdinaryBlocks, SmallBlocks, MappedBlocks, MappedBytes, MaxAllocated, FreeSmallBytes, AllocatedBytes, FreeBytes, Releasable;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallocInfo Info();

    [DllImport("libc.so.6", EntryPoint = "malloc")]
    private static extern IntPtr Allocate(nuint bytes);

    [DllImport("libc.so.6", EntryPoint = "free")]
    private static extern void Free(IntPtr block);

    /// <summary>The mapped bytes that allocating <paramref name="bytes"/> (held meanwhile) adds.</summary>
    private static long MappedBy(nuint bytes)
    {
        long before = (long)Info().MappedBytes;
        var block = Allocate(bytes);
        try
        {
            return (long)Info().MappedBytes - before;
        }
        finally
        {
            Free(block);
        }
    }

    [GlibcMallocFact]
    public void Blocks_above_the_threshold_get_their_own_mapping_and_libtorch_is_told_to_use_huge_pages()
    {
        // Freeing a mapped 30 MiB block raises glibc's own threshold to 30 MiB: a 4 MiB block then comes from the heap.
        Free(Allocate(30 << 20));
        const int size = 4 << 20;

        string said = LowMemoryMode.Enable();

        Assert.Contains("mappings of their own", said);
        Assert.True(MappedBy(size) >= size, $"a {size}-byte block must be mapped on its own: {said}");
        Assert.Equal("1", LowMemoryMode.NativeEnvironment("THP_MEM_ALLOC_ENABLE") ?? Environment.GetEnvironmentVariable("THP_MEM_ALLOC_ENABLE"));
    }
}
