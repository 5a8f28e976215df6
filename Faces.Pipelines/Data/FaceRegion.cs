namespace Faces.Pipelines.Data;

/// <summary>A part of a synthetic face that can carry its expression (<see cref="SyntheticFaces.Options.Carrier"/>).</summary>
public enum FaceRegion
{
    /// <summary>The whole face: brows, eyes, nose wrinkles and mouth all move with the expression.</summary>
    Whole,
    /// <summary>The brows (inner and outer height).</summary>
    Brows,
    /// <summary>The eyes (their opening).</summary>
    Eyes,
    /// <summary>The nose's wrinkles.</summary>
    Nose,
    /// <summary>The mouth (curve, width, opening, tilt).</summary>
    Mouth,
}
