namespace Faces.Torch.Models;

/// <summary>What every network architecture starts from, in one place (<see cref="NetworkArchitecture"/> reads it).</summary>
public static class NetworkDefaults
{
    /// <summary>Output classes: 7, the study's expressions.</summary>
    public const int Classes = 7;
    /// <summary>σ of the hidden and convolution weights under the study's Gaussian initialisation: 0.1.</summary>
    public const double HiddenInitStd = 0.1;
    /// <summary>σ of the output layer's weights under the study's Gaussian initialisation: 0.01.</summary>
    public const double OutputInitStd = 0.01;
}
