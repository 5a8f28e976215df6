namespace Faces.Torch.Explain;

/// <summary>How a saliency map is computed (<see cref="SaliencyMaps"/>).</summary>
public enum SaliencyMethod
{
    /// <summary>
    /// HiResCAM (Draelos and Carin, 2020): the last convolution's activations times the gradient of the class score at
    /// each position, summed over channels and rectified. The default for convolutional networks.
    /// </summary>
    HiResCam,
    /// <summary>
    /// Grad-CAM (Selvaraju et al., 2017): each channel of the last convolution weighted by its gradient averaged over
    /// the positions, summed and rectified. Offered because users know it; where the class layer reads the feature
    /// map position by position (Faces' networks) the average discards where the gradient was.
    /// </summary>
    GradCam,
    /// <summary>|gradient × input| per pixel: the only method for the MLP, available for every network.</summary>
    GradientTimesInput,
}
