namespace Faces.MLNet.Mixtures;

/// <summary>The shape of each component's covariance (scikit-learn's covariance_type).</summary>
public enum CovarianceType
{
    /// <summary>A variance per component and dimension (the study's code). Parameters: K·D.</summary>
    Diagonal,
    /// <summary>One variance per component, the same in every dimension. Parameters: K.</summary>
    Spherical,
    /// <summary>One full covariance shared by all components (the study's derivation; scikit-learn's "tied"). Parameters: D².</summary>
    SharedFull,
    /// <summary>A full covariance per component. Parameters: K·D² (for 48x48 faces, 37 million per 7 components).</summary>
    Full,
}
