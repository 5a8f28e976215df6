using Faces.Torch.Pooling;
using Faces.Torch.Convolution;
using Faces.Torch.Explain;
using Faces.Torch.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Models;

/// <summary>The study's two-convolution CNN (see <see cref="CnnArchitecture"/>).</summary>
public sealed class Cnn : nn.Module<Tensor, Tensor>, IDescribesInference, IExplainable
{
    private readonly ExplicitConv2d conv1;
    private readonly ExplicitConv2d conv2;
    private readonly Linear fc;
    private readonly CnnArchitecture architecture;

    /// <summary>Builds the layers of <paramref name="architecture"/>, initial weights drawn from <paramref name="generator"/>.</summary>
    public Cnn(CnnArchitecture architecture, Generator generator) : base("Cnn")
    {
        this.architecture = architecture;
        var same = ConvolutionPadding.Same(architecture.FilterSize, architecture.FilterSize);
        conv1 = new ExplicitConv2d("conv1", architecture.Channels, architecture.Filters1, architecture.FilterSize, architecture.FilterSize, same, architecture.Convolution);
        conv2 = new ExplicitConv2d("conv2", architecture.Filters1, architecture.Filters2, architecture.FilterSize, architecture.FilterSize, same, architecture.Convolution);
        fc = nn.Linear(architecture.FullyConnectedInputs, architecture.Classes);
        RegisterComponents();
        LayerInitializer.Initialize(conv1.Weight, conv1.Bias, architecture, isOutputLayer: false, generator);
        LayerInitializer.Initialize(conv2.Weight, conv2.Bias, architecture, isOutputLayer: false, generator);
        LayerInitializer.Initialize(fc.weight!, fc.bias!, architecture, isOutputLayer: true, generator);
    }

    /// <summary>The two convolution layers, for benchmarks and inspection.</summary>
    public (ExplicitConv2d First, ExplicitConv2d Second) Convolutions => (conv1, conv2);

    /// <summary>[N, C·H·W] (or [N, C, H, W]) → logits [N, classes].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.dim() == 4 ? input : input.view(-1, architecture.Channels, architecture.Height, architecture.Width);
        x = ReluMaxPool(conv1.forward(x), architecture.Pool1);
        x = ReluMaxPool(conv2.forward(x), architecture.Pool2);
        return fc.forward(x.flatten(1)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public (Tensor Activations, Tensor Logits) ForwardWithActivations(Tensor images)
    {
        var first = F.relu(conv1.forward(images));
        if (architecture.Pool1 > 1) first = F.max_pool2d(first, architecture.Pool1);
        var activations = F.relu(conv2.forward(first));
        var pooled = architecture.Pool2 > 1 ? F.max_pool2d(activations, architecture.Pool2) : activations;
        return (activations, fc.forward(pooled.flatten(1)));
    }

    /// <inheritdoc />
    public InferenceGraph DescribeInference() => new(
        new long[] { architecture.Channels, architecture.Height, architecture.Width },
        new InferenceLayer[]
        {
            Convolution(conv1), new ReluLayer(), new MaxPoolLayer(architecture.Pool1),
            Convolution(conv2), new ReluLayer(), new MaxPoolLayer(architecture.Pool2),
            new FlattenLayer(), new LinearLayer(TensorValues.Of(fc.weight!), TensorValues.Of(fc.bias!)),
        },
        FlipAveraging: false);

    private static ConvolutionLayer Convolution(ExplicitConv2d conv) => new(TensorValues.Of(conv.Weight), TensorValues.Of(conv.Bias), conv.Padding);

    /// <summary>
    /// ReLU, then non-overlapping k×k max-pooling. Training runs both as one function with C# kernels
    /// (<see cref="ReluMaxPoolFunction"/>: libtorch's max_pool2d with indices measured 0.8 ms forward per Fashion-MNIST
    /// batch, most of a training step). Scoring (no gradients) pools by k−1 element-wise maxima of strided views along
    /// the rows, then along the columns: the same values as max_pool2d, whose kernel measured 14x slower for 3×3 windows
    /// here (33 µs against 2.4 µs per 48x48x8 example) and was most of a scoring pass. Rows and columns that fill no
    /// whole window are dropped, as max_pool2d drops them.
    /// </summary>
    private static Tensor ReluMaxPool(Tensor x, int k)
    {
        if (is_grad_enabled() && ReluMaxPoolFunction.Supports(x, k)) return ReluMaxPoolFunction.Apply(x, k);
        using var scope = NewDisposeScope();
        var activated = F.relu(x);
        if (k == 1 || is_grad_enabled()) return (k == 1 ? activated : F.max_pool2d(activated, k)).MoveToOuterDisposeScope();
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        long ph = h / k * k, pw = w / k * k; // like max_pool2d, a remainder that fills no window is dropped
        var kept = ph == h && pw == w ? activated : activated.narrow(2, 0, ph).narrow(3, 0, pw);
        var rows = kept.contiguous().view(n, c, ph / k, k, pw);
        var rowMax = rows.select(3, 0);
        for (int i = 1; i < k; i++) rowMax = rowMax.maximum(rows.select(3, i));
        var columns = rowMax.contiguous().view(n, c, ph / k, pw / k, k);
        var pooled = columns.select(4, 0);
        for (int i = 1; i < k; i++) pooled = pooled.maximum(columns.select(4, i));
        return pooled.MoveToOuterDisposeScope();
    }
}
