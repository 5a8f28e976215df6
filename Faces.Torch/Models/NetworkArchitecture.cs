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
[JsonDerivedType(typeof(ExpressionNetArchitecture), "expressionnet")]
public abstract record NetworkArchitecture
{
    /// <summary>Number of classes, output units (<see cref="NetworkDefaults.Classes"/>).</summary>
    public int Classes { get; init; } = NetworkDefaults.Classes;

    /// <summary>Weight initialisation. Default: the study's Gaussians.</summary>
    public WeightInitialization Initialization { get; init; } = WeightInitialization.StudyGaussian;

    /// <summary>σ of the hidden/convolution weights under <see cref="WeightInitialization.StudyGaussian"/> (<see cref="NetworkDefaults.HiddenInitStd"/>).</summary>
    public double HiddenInitStd { get; init; } = NetworkDefaults.HiddenInitStd;

    /// <summary>σ of the output-layer weights (<see cref="NetworkDefaults.OutputInitStd"/>).</summary>
    public double OutputInitStd { get; init; } = NetworkDefaults.OutputInitStd;

    /// <summary>Length of one flattened input row.</summary>
    [JsonIgnore]
    public abstract long InputSize { get; }

    /// <summary>
    /// The most trainable parameters a network may have: 100 million (400 MB of float32 weights, ~2,400 times the
    /// study's CNN). A larger request is almost surely a typo, and libtorch would die trying to allocate it.
    /// </summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>Checks the settings; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public virtual void Validate()
    {
        if (Classes < 2) throw new ArgumentException($"Classes must be at least 2; got {Classes}.");
        if (HiddenInitStd <= 0 || OutputInitStd <= 0) throw new ArgumentException("Initialisation standard deviations must be positive.");
    }

    /// <summary>Checked after the subclass's own checks, which make <see cref="ParameterCount"/> meaningful.</summary>
    protected void CheckSize()
    {
        long count;
        try
        {
            count = ParameterCount;
        }
        catch (OverflowException)
        {
            count = long.MaxValue;
        }
        if (count > MaxParameters)
            throw new ArgumentException($"{this} has {(count == long.MaxValue ? "more than 2^63" : count.ToString("N0"))} parameters; Faces builds networks of at most {MaxParameters:N0}.");
    }

    /// <summary>Builds the module with initial weights (and any other randomness, such as dropout's) drawn from <paramref name="generator"/>.</summary>
    public abstract nn.Module<Tensor, Tensor> Build(Generator generator);

    /// <summary>A count of trainable parameters, computed from the settings alone.</summary>
    public abstract long ParameterCount { get; }
}
