using Faces.Torch.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>Fully connected net: Linear → ReLU for each hidden layer, then a Linear output layer giving logits.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>, IDescribesInference
{
    private readonly ModuleList<Linear> hidden = new();
    private readonly Linear output;

    /// <summary>Builds the layers of <paramref name="architecture"/>, initial weights drawn from <paramref name="generator"/>.</summary>
    public Mlp(MlpArchitecture architecture, Generator generator) : base("Mlp")
    {
        long previous = architecture.Inputs;
        foreach (var width in architecture.Hidden)
        {
            hidden.Add(nn.Linear(previous, width));
            previous = width;
        }
        output = nn.Linear(previous, architecture.Classes);
        RegisterComponents();
        foreach (var layer in hidden) LayerInitializer.Initialize(layer.weight!, layer.bias!, architecture, isOutputLayer: false, generator);
        LayerInitializer.Initialize(output.weight!, output.bias!, architecture, isOutputLayer: true, generator);
    }

    /// <summary>The first hidden layer (its weights are one image-sized template per unit), for inspection.</summary>
    public Linear FirstLayer => hidden[0];

    /// <summary>Every layer from input to output (the hidden layers, each followed by a ReLU, then the output layer).</summary>
    public IEnumerable<Linear> Layers => hidden.Append(output);

    /// <summary>[N, inputs] → logits [N, classes].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in hidden) x = nn.functional.relu(layer.forward(x));
        return output.forward(x).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public InferenceGraph DescribeInference()
    {
        var layers = new List<InferenceLayer>();
        foreach (var layer in hidden) layers.AddRange(new InferenceLayer[] { Linear(layer), new ReluLayer() });
        layers.Add(Linear(output));
        return new InferenceGraph(new[] { hidden.Count > 0 ? hidden[0].in_features : output.in_features }, layers, FlipAveraging: false);
    }

    private static LinearLayer Linear(Linear layer) => new(TensorValues.Of(layer.weight!), TensorValues.Of(layer.bias!));
}
