using Faces.Torch;

namespace Faces.Tests;

/// <summary>A test that needs CUDA: reported as skipped, with the reason, on a CPU-only build.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!TorchEnvironment.CudaAvailable)
            Skip = "Skipped: CPU-only build (TorchSharp-cpu, no CUDA device in this process); runs where a CUDA libtorch and a GPU are present.";
    }
}

/// <summary>A test of behaviour without CUDA: reported as skipped, with the reason, where CUDA is available.</summary>
public sealed class CpuOnlyFactAttribute : FactAttribute
{
    public CpuOnlyFactAttribute()
    {
        if (TorchEnvironment.CudaAvailable)
            Skip = "Skipped: CUDA is available here, so the CPU-only error path cannot be reached.";
    }
}

/// <summary>A test of Faces' own SIMD loops: reported as skipped where the CPU has no 256-bit SIMD (libtorch scores instead).</summary>
public sealed class SimdFactAttribute : FactAttribute
{
    public SimdFactAttribute()
    {
        if (!Faces.Torch.Models.MlpScorer.IsSupported) Skip = SimdTheoryAttribute.Reason;
    }
}

/// <summary>The same for a theory.</summary>
public sealed class SimdTheoryAttribute : TheoryAttribute
{
    internal const string Reason = "Skipped: this CPU has no 256-bit SIMD with fused multiply-add, so Faces' C# loops stand aside for libtorch.";

    public SimdTheoryAttribute()
    {
        if (!Faces.Torch.Models.MlpScorer.IsSupported) Skip = Reason;
    }
}

/// <summary>A test of glibc's malloc settings: skipped off Linux, or where the environment already fixes glibc's mmap threshold.</summary>
public sealed class GlibcMallocFactAttribute : FactAttribute
{
    public GlibcMallocFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "Skipped: glibc's malloc is Linux's.";
        else if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") != null)
            Skip = "Skipped: MALLOC_MMAP_THRESHOLD_ in the environment fixes glibc's threshold, and low-memory mode leaves it.";
    }
}
