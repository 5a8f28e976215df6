using Faces.Torch.Export;

namespace Faces.MLNet.Onnx;

/// <summary>
/// A network's <see cref="InferenceGraph"/> as ONNX operators: Reshape (for a CNN), then per layer Conv,
/// BatchNormalization (exported as is, not folded, so the running statistics stay visible), Relu, MaxPool, Flatten,
/// Gemm; Softmax. With flip averaging the input and its mirror image (a Slice with step −1) go through the layers as
/// one batch of twice the rows (Concat), and the two halves' probabilities (Split) are averaged: one pass, as the
/// network itself runs it.
/// </summary>
internal static class NetworkOnnxWriter
{
    /// <summary>The classifier's two outputs (<see cref="ClassScoreOutputs"/>) from the Features variable.</summary>
    public static void Write(OnnxGraph graph, InferenceGraph network, string features, string[] outputs) =>
        ClassScoreOutputs.Write(graph, Probabilities(graph, network, features), outputs);

    /// <summary>Appends the network's operators and returns the variable holding the class probabilities [N, classes].</summary>
    public static string Probabilities(OnnxGraph graph, InferenceGraph network, string features)
    {
        var weights = network.Layers.Select((layer, i) => Initializers(graph, layer, $"layer{i + 1}")).ToArray();
        var x = network.InputShape.Length == 1
            ? features
            : graph.Node("Reshape", new[] { features, graph.Longs(new long[] { -1 }.Concat(network.InputShape).ToArray(), "shape") });
        if (!network.FlipAveraging) return Probabilities(graph, network, weights, x);
        var mirrored = graph.Node("Slice", new[]
        {
            x, graph.Longs(new long[] { -1 }, "flip.starts"), graph.Longs(new[] { long.MinValue }, "flip.ends"),
            graph.Longs(new long[] { 3 }, "flip.axes"), graph.Longs(new long[] { -1 }, "flip.steps"),
        });
        var both = graph.Node("Concat", new[] { x, mirrored }, n => n.AddAttribute("axis", 0L));
        var halves = graph.Nodes("Split", new[] { Probabilities(graph, network, weights, both) }, 2, n => n.AddAttribute("axis", 0L));
        var sum = graph.Node("Add", halves);
        return graph.Node("Mul", new[] { sum, graph.Scalar(0.5f, "half") });
    }

    private static string Probabilities(OnnxGraph graph, InferenceGraph network, string[][] weights, string x)
    {
        for (int i = 0; i < network.Layers.Count; i++)
            x = Apply(graph, network.Layers[i], weights[i], x);
        return graph.Node("Softmax", new[] { x }, n => n.AddAttribute("axis", 1L));
    }

    private static string[] Initializers(OnnxGraph graph, InferenceLayer layer, string name) => layer switch
    {
        ConvolutionLayer c => c.Bias is null
            ? new[] { Floats(graph, c.Weight, $"{name}.weight") }
            : new[] { Floats(graph, c.Weight, $"{name}.weight"), Floats(graph, c.Bias, $"{name}.bias") },
        BatchNormLayer b => new[]
        {
            Floats(graph, b.Scale, $"{name}.scale"), Floats(graph, b.Shift, $"{name}.shift"),
            Floats(graph, b.Mean, $"{name}.mean"), Floats(graph, b.Variance, $"{name}.variance"),
        },
        LinearLayer l => new[] { Floats(graph, l.Weight, $"{name}.weight"), Floats(graph, l.Bias, $"{name}.bias") },
        ReluLayer or MaxPoolLayer or FlattenLayer => Array.Empty<string>(),
        _ => throw new NotSupportedException($"No ONNX form for the layer {layer.GetType().Name}."),
    };

    private static string Floats(OnnxGraph graph, TensorValues values, string name) => graph.Floats(values.Values, values.Shape, name);

    private static string Apply(OnnxGraph graph, InferenceLayer layer, string[] weights, string x) => layer switch
    {
        ConvolutionLayer c => graph.Node("Conv", weights.Prepend(x), n =>
        {
            n.AddAttribute("kernel_shape", new[] { c.Weight.Shape[2], c.Weight.Shape[3] });
            // ONNX orders pads as all the starts, then all the ends.
            n.AddAttribute("pads", new long[] { c.Padding.Top, c.Padding.Left, c.Padding.Bottom, c.Padding.Right });
            n.AddAttribute("strides", new long[] { 1, 1 });
        }),
        BatchNormLayer b => graph.Node("BatchNormalization", weights.Prepend(x), n => n.AddAttribute("epsilon", b.Epsilon)),
        ReluLayer => graph.Node("Relu", new[] { x }),
        MaxPoolLayer p => graph.Node("MaxPool", new[] { x }, n =>
        {
            n.AddAttribute("kernel_shape", new long[] { p.Size, p.Size });
            n.AddAttribute("strides", new long[] { p.Size, p.Size });
        }),
        FlattenLayer => graph.Node("Flatten", new[] { x }, n => n.AddAttribute("axis", 1L)),
        LinearLayer => graph.Node("Gemm", weights.Prepend(x), n => n.AddAttribute("transB", 1L)),
        _ => throw new NotSupportedException($"No ONNX form for the layer {layer.GetType().Name}."),
    };
}
