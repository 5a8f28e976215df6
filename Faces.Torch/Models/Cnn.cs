using Faces.Torch.Convolution;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Models;

/// <summary>The study's two-convolution CNN (see <see cref="CnnArchitecture"/>).</summary>
public sealed class Cnn : nn.Module<Tensor, Tensor>
{
    private readonly ExplicitConv2d conv1;
    private readonly ExplicitConv2d conv2;
    private readonly Linear fc;
    private readonly CnnArchitecture architecture;

    /// <summary>Builds and initialises the layers of <paramref name="architecture"/>.</summary>
    public Cnn(CnnArchitecture architecture) : base("Cnn")
    {
        this.architecture = architecture;
        var same = ConvolutionPadding.Same(architecture.FilterSize, architecture.FilterSize);
        conv1 = new ExplicitConv2d("conv1", architecture.Channels, architecture.Filters1, architecture.FilterSize, architecture.FilterSize, same, architecture.Convolution);
        conv2 = new ExplicitConv2d("conv2", architecture.Filters1, architecture.Filters2, architecture.FilterSize, architecture.FilterSize, same, architecture.Convolution);
        fc = nn.Linear(architecture.FullyConnectedInputs, architecture.Classes);
        RegisterComponents();
        LayerInitializer.Initialize(conv1.Weight, conv1.Bias, architecture, isOutputLayer: false);
        LayerInitializer.Initialize(conv2.Weight, conv2.Bias, architecture, isOutputLayer: false);
        LayerInitializer.Initialize(fc.weight!, fc.bias!, architecture, isOutputLayer: true);
    }

    /// <summary>The two convolution layers, for benchmarks and inspection.</summary>
    public (ExplicitConv2d First, ExplicitConv2d Second) Convolutions => (conv1, conv2);

    /// <summary>[N, C·H·W] (or [N, C, H, W]) → logits [N, classes].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.dim() == 4 ? input : input.view(-1, architecture.Channels, architecture.Height, architecture.Width);
        x = F.max_pool2d(F.relu(conv1.forward(x)), architecture.Pool1);
        x = F.max_pool2d(F.relu(conv2.forward(x)), architecture.Pool2);
        return fc.forward(x.flatten(1)).MoveToOuterDisposeScope();
    }
}
