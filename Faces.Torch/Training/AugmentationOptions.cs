namespace Faces.Torch.Training;

/// <summary>
/// Training-time augmentation of image rows: each example of each mini-batch gets its own random rotation, scale,
/// shift, horizontal flip, brightness and contrast, drawn from a generator seeded by <see cref="TrainingOptions.Seed"/>,
/// so the same seed gives the same batches. Defaults (<see cref="AugmentationDefaults"/>) are those of the FER2013
/// recipes that reach 0.65–0.70 accuracy.
/// </summary>
public sealed record AugmentationOptions
{
    /// <summary>Largest rotation either way, in degrees.</summary>
    public double MaxRotationDegrees { get; init; } = AugmentationDefaults.MaxRotationDegrees;
    /// <summary>Largest relative change of size either way (0.1: 90%–110%).</summary>
    public double MaxScale { get; init; } = AugmentationDefaults.MaxScale;
    /// <summary>Largest shift either way, as a fraction of the image's width and height.</summary>
    public double MaxShift { get; init; } = AugmentationDefaults.MaxShift;
    /// <summary>Probability of a horizontal flip.</summary>
    public double FlipProbability { get; init; } = AugmentationDefaults.FlipProbability;
    /// <summary>Largest brightness change either way, in standard deviations of the example's own pixels.</summary>
    public double MaxBrightness { get; init; } = AugmentationDefaults.MaxBrightness;
    /// <summary>Largest relative contrast change either way (0.2: 80%–120% of the spread around the example's mean).</summary>
    public double MaxContrast { get; init; } = AugmentationDefaults.MaxContrast;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!(MaxRotationDegrees >= 0 && MaxRotationDegrees <= 180)) throw new ArgumentException($"MaxRotationDegrees must be in [0, 180]; got {MaxRotationDegrees}.");
        if (!(MaxScale >= 0 && MaxScale < 1)) throw new ArgumentException($"MaxScale must be in [0, 1); got {MaxScale}.");
        if (!(MaxShift >= 0 && MaxShift <= 1)) throw new ArgumentException($"MaxShift must be in [0, 1]; got {MaxShift}.");
        if (!(FlipProbability >= 0 && FlipProbability <= 1)) throw new ArgumentException($"FlipProbability must be in [0, 1]; got {FlipProbability}.");
        if (!(MaxBrightness >= 0 && MaxBrightness <= 10)) throw new ArgumentException($"MaxBrightness must be in [0, 10]; got {MaxBrightness}.");
        if (!(MaxContrast >= 0 && MaxContrast < 1)) throw new ArgumentException($"MaxContrast must be in [0, 1); got {MaxContrast}.");
    }
}
