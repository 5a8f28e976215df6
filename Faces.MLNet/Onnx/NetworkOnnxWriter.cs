using Faces.Torch.Export;

namespace Faces.MLNet.Onnx;

/// <summary>
/// A network's <see cref="InferenceGraph"/> as ONNX operators: Reshape (for a CNN), then per layer Conv,
/// BatchNormalization (exported as is, not folded, so the running statistics stay visible), Relu, MaxPool, Flatten,
/// Gemm; Softmax; with flip averaging the layers run a second time on the input mirrored by a Slice with step −1
/// (sharing the weights) and the two probability tensors are averaged.
/// </summary>
internal static class NetworkOnnxWriter
{
    public static void Write(OnnxGraph graph, InferenceGraph network, string features, string[] outputs)
    {
        var weights = network.Layers.Select((layer, i) => Initializers(graph, layer, $"layer{i + 1}")).ToArray();
        var x = network.InputShape.Length == 1
            ? features
            : graph.Node("Reshape", new[] { features, graph.Longs(new long[] { -1 }.Concat(network.InputShape).ToArray(), "shape") });
        var probabilities = Probabilities(graph, network, weights, x);
        if (network.FlipAveraging)
        {
            var mirrored = graph.Node("Slice", new[]
            {
                x, graph.Longs(new long[] { -1 }, "flip.starts"), graph.Longs(new[] { long.MinValue }, "flip.ends"),
                graph.Longs(new long[] { 3 }, "flip.axes"), graph.Longs(new long[] { -1 }, "flip.steps"),
            });
            var sum = graph.Node("Add", new[] { probabilities, Probabilities(graph, network, weights, mirrored) });
            probabilities = graph.Node("Mul", new[] { sum, graph.Scalar(0.5f, "half") });
        }
        ClassScoreOutputs.Write(graph, probabilities, outputs);
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
