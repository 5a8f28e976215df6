using System.Diagnostics;
using System.Runtime.InteropServices;
using Faces.Tests.Concurrency;
using Faces.Torch.Native;

namespace Faces.Tests.Torch;

/// <summary>
/// Low-memory mode puts a block above its threshold in a mapping of its own even after glibc has raised its own
/// threshold, and leaves libtorch's huge-page setting in the environment native code reads. It changes malloc for the
/// rest of its process, so it runs in a fresh one.
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

    private const string InFreshProcess = "FACES_TEST_LOW_MEMORY_CHILD";

    [GlibcMallocFact]
    public void Blocks_above_the_threshold_get_their_own_mapping_and_libtorch_is_told_to_use_huge_pages()
    {
        if (Environment.GetEnvironmentVariable(InFreshProcess) != "1")
        {
            // malloc maps a block only when no free heap space can hold it, and earlier tests in this process leave
            // plenty: the check runs in a test host of its own, with this test alone.
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "test", typeof(LowMemoryModeTests).Assembly.Location, "--filter", $"FullyQualifiedName={typeof(LowMemoryModeTests).FullName}.{nameof(Blocks_above_the_threshold_get_their_own_mapping_and_libtorch_is_told_to_use_huge_pages)}" })
                start.ArgumentList.Add(a);
            start.Environment[InFreshProcess] = "1";
            using var child = Process.Start(start)!;
            var error = child.StandardError.ReadToEndAsync();
            string output = child.StandardOutput.ReadToEnd();
            child.WaitForExit();
            Assert.True(child.ExitCode == 0 && output.Contains("Passed!"), $"the test in a fresh process: exit {child.ExitCode}\n{output}{error.Result}");
            return;
        }

        // Freeing a mapped 30 MiB block raises glibc's own threshold to 30 MiB: a 4 MiB block then comes from the heap.
        Free(Allocate(30 << 20));
        const int size = 4 << 20;

        string said = LowMemoryMode.Enable();

        Assert.Contains("mappings of their own", said);
        Assert.True(MappedBy(size) >= size, $"a {size}-byte block must be mapped on its own: {said}");
        Assert.Equal("1", LowMemoryMode.NativeEnvironment("THP_MEM_ALLOC_ENABLE"));
    }
}
