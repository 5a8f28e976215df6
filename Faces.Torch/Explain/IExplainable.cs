using static TorchSharp.torch;

namespace Faces.Torch.Explain;

/// <summary>A convolutional network that can give its last convolution's activations with its logits, for Grad-CAM.</summary>
public interface IExplainable
{
    /// <summary>
    /// The forward pass of <paramref name="images"/> [N, C, H, W] through ordinary autograd operations: the last
    /// convolution's activations after its ReLU [N, K, h, w] and the logits [N, classes] computed from them.
    /// </summary>
    (Tensor Activations, Tensor Logits) ForwardWithActivations(Tensor images);
}
