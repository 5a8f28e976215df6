using Faces.Torch.Convolution;
using Faces.Torch.Explain;
using Faces.Torch.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Models;

/// <summary>The real-face network (see <see cref="ExpressionNetArchitecture"/>).</summary>
public sealed class ExpressionNet : nn.Module<Tensor, Tensor>, IDescribesInference, IExplainable
{
    private readonly ModuleList<ConvBlock> blocks = new();
    private readonly SeededDropout dropout1;
    private readonly Linear hidden;
    private readonly SeededDropout dropout2;
    private readonly Linear output;
    private readonly ExpressionNetArchitecture architecture;

    /// <summary>
    /// Builds the layers of <paramref name="architecture"/>: initial weights and the dropout masks' seeds are drawn
    /// from <paramref name="generator"/>.
    /// </summary>
    public ExpressionNet(ExpressionNetArchitecture architecture, Generator generator) : base("ExpressionNet")
    {
        this.architecture = architecture;
        long previous = architecture.Channels;
        for (int i = 0; i < architecture.Widths.Length; i++)
        {
            blocks.Add(new ConvBlock($"block{i + 1}", previous, architecture.Widths[i]));
            previous = architecture.Widths[i];
        }
        dropout1 = new SeededDropout("dropout1", architecture.Dropout, WeightDraws.NextSeed(generator));
        hidden = nn.Linear(architecture.FullyConnectedInputs, architecture.Hidden);
        dropout2 = new SeededDropout("dropout2", architecture.Dropout, WeightDraws.NextSeed(generator));
        output = nn.Linear(architecture.Hidden, architecture.Classes);
        RegisterComponents();
        using var _ = no_grad();
        foreach (var block in blocks) block.Initialize(generator);
        WeightDraws.KaimingNormal(hidden.weight!, generator);
        hidden.bias!.zero_();
        WeightDraws.Normal(output.weight!, architecture.OutputInitStd, generator);
        output.bias!.zero_();
    }

    /// <summary>
    /// [N, C·H·W] (or [N, C, H, W]) → logits [N, classes]. In evaluation mode with flip averaging the logits are the
    /// log of the mean of the face's and its mirror image's probabilities (a softmax of them gives that mean).
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.dim() == 4 ? input : input.view(-1, architecture.Channels, architecture.Height, architecture.Width);
        if (training || !architecture.FlipAveraging) return Logits(x).MoveToOuterDisposeScope();
        long n = x.shape[0];
        var both = Logits(cat(new[] { x, x.flip(3) }, 0));
        var probabilities = F.softmax(both, 1);
        return (probabilities.narrow(0, 0, n) + probabilities.narrow(0, n, n)).mul_(0.5).log_().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public InferenceGraph DescribeInference()
    {
        var layers = blocks.SelectMany(block => block.DescribeInference()).ToList();
        layers.Add(new FlattenLayer());
        layers.Add(Linear(hidden));
        layers.Add(new ReluLayer());
        layers.Add(Linear(output));
        return new InferenceGraph(new long[] { architecture.Channels, architecture.Height, architecture.Width }, layers, architecture.FlipAveraging);
    }

    private static LinearLayer Linear(Linear layer) => new(TensorValues.Of(layer.weight!), TensorValues.Of(layer.bias!));

    /// <inheritdoc />
    public (Tensor Activations, Tensor Logits) ForwardWithActivations(Tensor images)
    {
        using var earlier = Blocks(images, blocks.Count - 1);
        var activations = blocks[^1].Convolve(earlier);
        var x = F.relu(hidden.forward(dropout1.forward(F.max_pool2d(activations, 2).flatten(1))));
        return (activations, output.forward(dropout2.forward(x)));
    }

    private Tensor Logits(Tensor x)
    {
        using var features = Blocks(x, blocks.Count);
        using var hiddenUnits = hidden.forward(dropout1.forward(features.flatten(1))).relu_();
        return output.forward(dropout2.forward(hiddenUnits));
    }

    /// <summary>The first <paramref name="count"/> blocks; each block's output is released once the next has read it.</summary>
    private Tensor Blocks(Tensor x, int count)
    {
        var current = x;
        for (int i = 0; i < count; i++)
        {
            var next = blocks[i].forward(current);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
        }
        return ReferenceEquals(current, x) ? x.alias() : current;
    }

    /// <summary>Two 3x3 convolutions, each with batch norm and ReLU, then 2x2 max-pooling.</summary>
    private sealed class ConvBlock : nn.Module<Tensor, Tensor>
    {
        // libtorch's default, written out because the exported graph needs it too.
        private const double BatchNormEpsilon = 1e-5;

        private readonly Conv2d conv1;
        private readonly BatchNorm2d norm1;
        private readonly Conv2d conv2;
        private readonly BatchNorm2d norm2;

        public ConvBlock(string name, long inputs, long outputs) : base(name)
        {
            // No convolution bias: the batch norm that follows has its own shift.
            conv1 = nn.Conv2d(inputs, outputs, 3, padding: 1, bias: false);
            norm1 = nn.BatchNorm2d(outputs, eps: BatchNormEpsilon);
            conv2 = nn.Conv2d(outputs, outputs, 3, padding: 1, bias: false);
            norm2 = nn.BatchNorm2d(outputs, eps: BatchNormEpsilon);
            RegisterComponents();
        }

        public void Initialize(Generator generator)
        {
            WeightDraws.KaimingNormal(conv1.weight!, generator);
            WeightDraws.KaimingNormal(conv2.weight!, generator);
        }

        public IEnumerable<InferenceLayer> DescribeInference() => new InferenceLayer[]
        {
            Convolution(conv1), Normalization(norm1), new ReluLayer(),
            Convolution(conv2), Normalization(norm2), new ReluLayer(),
            new MaxPoolLayer(2),
        };

        private static ConvolutionLayer Convolution(Conv2d conv) => new(TensorValues.Of(conv.weight!), null, ConvolutionPadding.Uniform(1));

        private static BatchNormLayer Normalization(BatchNorm2d norm) => new(TensorValues.Of(norm.weight!), TensorValues.Of(norm.bias!),
            TensorValues.Of(norm.running_mean!), TensorValues.Of(norm.running_var!), BatchNormEpsilon);

        public override Tensor forward(Tensor x)
        {
            using var convolved = Convolve(x);
            return F.max_pool2d(convolved, 2);
        }

        /// <summary>The block before its pooling: both convolutions with their batch norm and ReLU.</summary>
        public Tensor Convolve(Tensor x)
        {
            using var first = Layer(x, conv1, norm1);
            return Layer(first, conv2, norm2);
        }

        /// <summary>
        /// Convolution, batch norm, ReLU in place. TorchSharp frees a tensor when its handle is disposed, not when the
        /// last reference goes: without this, every intermediate of a forward pass lived until the pass returned, and a
        /// large evaluation batch held all of them at once. The convolution's output is released as soon as batch norm
        /// has read it (autograd keeps what backward needs on its own).
        /// </summary>
        private static Tensor Layer(Tensor x, Conv2d conv, BatchNorm2d norm)
        {
            using var convolved = conv.forward(x);
            return norm.forward(convolved).relu_();
        }
    }
}
