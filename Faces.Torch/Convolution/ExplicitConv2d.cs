using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Convolution;

/// <summary>A 2-D convolution layer (stride 1, zero padding) running either <see cref="ExplicitConvolutionFunction"/> or native conv2d.</summary>
public sealed class ExplicitConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>The padding on each side.</summary>
    public ConvolutionPadding Padding { get; }

    /// <summary>Explicit (Faces' backward) or native.</summary>
    public ConvolutionKind Kind { get; }

    /// <summary>How the explicit backward computes dE/dW.</summary>
    public WeightGradientMethod WeightGradient { get; set; } = WeightGradientMethod.Auto;

    /// <summary>Filters [outChannels, inChannels, filterHeight, filterWidth], zero bias; the caller initialises the weights.</summary>
    public ExplicitConv2d(string name, long inChannels, long outChannels, int filterHeight, int filterWidth,
        ConvolutionPadding padding, ConvolutionKind kind) : base(name)
    {
        weight = new Parameter(zeros(outChannels, inChannels, filterHeight, filterWidth));
        bias = new Parameter(zeros(outChannels));
        Padding = padding;
        Kind = kind;
        RegisterComponents();
    }

    /// <summary>The filters.</summary>
    public Parameter Weight => weight;

    /// <summary>The bias.</summary>
    public Parameter Bias => bias;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        // The explicit layer exists for its backward. Without gradients (scoring, evaluation) there is no backward,
        // and its forward is the same convolution: libtorch's own kernel computes it with less overhead per call.
        if (Kind == ConvolutionKind.Explicit && is_grad_enabled())
            return ExplicitConvolutionFunction.Apply(input, weight, bias, Padding, WeightGradient);
        ExplicitConvolutionFunction.CheckShapes(input, weight, bias, Padding);
        if (Padding.IsSymmetric)
            return F.conv2d(input, weight, bias, padding: new long[] { Padding.Top, Padding.Left });
        using var padded = F.pad(input, Padding.ForPad);
        return F.conv2d(padded, weight, bias);
    }
}
