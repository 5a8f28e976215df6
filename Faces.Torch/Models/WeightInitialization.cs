namespace Faces.Torch.Models;

/// <summary>How a network's weights start. Biases always start at 0.</summary>
public enum WeightInitialization
{
    /// <summary>The study's: N(0, σ²) with σ = 0.1 for hidden/convolution layers and 0.01 for the output layer.</summary>
    StudyGaussian,
    /// <summary>He (Kaiming) normal for ReLU layers, the output layer as in the study.</summary>
    KaimingNormal,
    /// <summary>Glorot (Xavier) uniform for every layer.</summary>
    XavierUniform,
}
