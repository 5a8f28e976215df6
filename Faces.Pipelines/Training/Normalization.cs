namespace Faces.Pipelines.Training;

/// <summary>Pixel normalisation, fitted on the training split only and saved inside the model.</summary>
public enum Normalization
{
    /// <summary>Pixels as loaded, in [0, 1] (the study's only preprocessing is dividing by 255).</summary>
    None,
    /// <summary>Per-pixel mean 0, variance 1 (ML.NET's NormalizeMeanVariance).</summary>
    Standardize,
    /// <summary>Global min-max to [0, 1] over all training pixels.</summary>
    MinMax,
}
