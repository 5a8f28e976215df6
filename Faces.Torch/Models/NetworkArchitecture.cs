using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// What a network is: enough to rebuild it before loading its weights. Saved as JSON next to the weights, so the
/// property names are part of the model file format.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(MlpArchitecture), "mlp")]
[JsonDerivedType(typeof(CnnArchitecture), "cnn")]
public abstract record NetworkArchitecture
{
    /// <summary>Number of classes (output units). Default 7, the study's emotions.</summary>
    public int Classes { get; init; } = 7;

    /// <summary>Weight initialisation. Default: the study's Gaussians.</summary>
    public WeightInitialization Initialization { get; init; } = WeightInitialization.StudyGaussian;

    /// <summary>σ of the hidden/convolution weights under <see cref="WeightInitialization.StudyGaussian"/>. Default 0.1.</summary>
    public double HiddenInitStd { get; init; } = 0.1;

    /// <summary>σ of the output-layer weights. Default 0.01.</summary>
    public double OutputInitStd { get; init; } = 0.01;

    /// <summary>Length of one flattened input row.</summary>
    [JsonIgnore]
    public abstract long InputSize { get; }

    /// <summary>Checks the settings; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public virtual void Validate()
    {
        if (Classes < 2) throw new ArgumentException($"Classes must be at least 2; got {Classes}.");
        if (HiddenInitStd <= 0 || OutputInitStd <= 0) throw new ArgumentException("Initialisation standard deviations must be positive.");
    }

    /// <summary>Builds the module with freshly initialised weights, drawn from torch's generator (seed it first).</summary>
    public abstract nn.Module<Tensor, Tensor> Build();

    /// <summary>A count of trainable parameters, computed from the settings alone.</summary>
    public abstract long ParameterCount { get; }
}
