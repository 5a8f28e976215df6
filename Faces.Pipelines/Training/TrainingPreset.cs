namespace Faces.Pipelines.Training;

/// <summary>A named starting point for training (<see cref="TrainingPresets"/>): <c>faces train --preset</c>.</summary>
public enum TrainingPreset
{
    /// <summary>The study's defaults.</summary>
    Study,
    /// <summary>The study's best settings per model.</summary>
    Best,
    /// <summary>The real-face network and its recipe, for photos of real people (CNN only).</summary>
    Real,
    /// <summary>The real-face recipe on a narrower network for fewer epochs: about half an hour on two cores (CNN only).</summary>
    Fast,
}
