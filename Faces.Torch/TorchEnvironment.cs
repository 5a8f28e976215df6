using Faces.Torch.Native;
using TorchSharp;

namespace Faces.Torch;

/// <summary>Versions, device and threads of the TorchSharp runtime Faces uses.</summary>
public static class TorchEnvironment
{
    /// <summary>TorchSharp's assembly version.</summary>
    public static string TorchSharpVersion => typeof(torch).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The libtorch version the native library reports.</summary>
    public static string LibTorchVersion
    {
        get
        {
            TorchRuntime.EnsureInitialized();
            return torch.__version__;
        }
    }

    /// <summary>Whether a CUDA device is usable in this process.</summary>
    public static bool CudaAvailable
    {
        get
        {
            TorchRuntime.EnsureInitialized();
            return torch.cuda.is_available();
        }
    }

    /// <summary>Intra-op threads libtorch uses.</summary>
    public static int Threads
    {
        get
        {
            TorchRuntime.EnsureInitialized();
            return torch.get_num_threads();
        }
    }

    /// <summary>Sets libtorch's intra-op thread count (0 or less leaves it unchanged).</summary>
    public static void SetThreads(int threads)
    {
        TorchRuntime.EnsureInitialized();
        if (threads > 0) torch.set_num_threads(threads);
    }

    /// <summary>
    /// Resolves a device name ("cpu", "cuda", "cuda:1"); a CUDA device where none is usable is a clear error,
    /// not a crash inside libtorch.
    /// </summary>
    public static torch.Device ResolveDevice(string name)
    {
        TorchRuntime.EnsureInitialized();
        string normalised = name.Trim().ToLowerInvariant();
        if (normalised == "cpu") return torch.CPU;
        if (normalised.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException($"Device '{name}' was asked for, but CUDA is not available in this process " +
                                            "(Faces references the CPU build of libtorch, TorchSharp-cpu; reference TorchSharp-cuda-linux for GPUs).");
            return torch.device(normalised);
        }
        throw new ArgumentException($"Unknown device '{name}': use cpu, cuda or cuda:N.");
    }
}
