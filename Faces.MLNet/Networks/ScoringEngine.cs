namespace Faces.MLNet.Networks;

/// <summary>What computes a network's scores (<see cref="NetworkModelParameters.Engine"/>).</summary>
public enum ScoringEngine
{
    /// <summary>The network's TorchSharp module, as trained (the MLP's C# loops where they apply).</summary>
    Libtorch,

    /// <summary>
    /// The network's inference graph (batch norm, ReLU, pooling, flip averaging as one batch) in ONNX Runtime, with its
    /// graph optimisations (batch norm folded into the convolutions, blocked memory layouts). The same weights; the
    /// probabilities differ from libtorch's by float rounding.
    /// </summary>
    OnnxRuntime,
}
