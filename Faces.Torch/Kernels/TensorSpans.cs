using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Faces.Torch.Kernels;

/// <summary>Managed views of contiguous CPU tensors' memory, for the kernels written in C#.</summary>
internal static class TensorSpans
{
    /// <summary>True when <paramref name="tensor"/> is a contiguous CPU tensor of <typeparamref name="T"/> (float or double).</summary>
    public static bool Holds<T>(Tensor tensor) where T : unmanaged =>
        tensor.device_type == DeviceType.CPU && tensor.is_contiguous() &&
        (typeof(T) == typeof(float) ? tensor.dtype == ScalarType.Float32 : typeof(T) == typeof(double) && tensor.dtype == ScalarType.Float64);

    /// <summary>The tensor's memory as a span (one native call, ~1 µs: take it once per kernel, not per chunk).</summary>
    public static Span<T> Of<T>(Tensor tensor) where T : unmanaged => MemoryMarshal.Cast<byte, T>(tensor.bytes);
}
