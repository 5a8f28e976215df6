namespace Faces.Torch.Training;

/// <summary>Augmentation defaults, in one place.</summary>
public static class AugmentationDefaults
{
    /// <summary>Rotation: ±10°.</summary>
    public const double MaxRotationDegrees = 10;
    /// <summary>Scale: ±10%.</summary>
    public const double MaxScale = 0.1;
    /// <summary>Shift: ±10% of the side.</summary>
    public const double MaxShift = 0.1;
    /// <summary>Horizontal flip: half the examples.</summary>
    public const double FlipProbability = 0.5;
    /// <summary>Brightness: ±0.2 standard deviations.</summary>
    public const double MaxBrightness = 0.2;
    /// <summary>Contrast: ±20%.</summary>
    public const double MaxContrast = 0.2;
}
