namespace Faces.Torch.Export;

/// <summary>
/// A trained network's scoring computation as plain layers and copied weights, free of libtorch: what a writer for
/// another format (ONNX) needs. Layers run in order on a [N, <see cref="InputShape"/>] input (the flattened Features
/// row is first reshaped to it) and end in logits [N, classes]; with <see cref="FlipAveraging"/> the scores are the
/// mean of the softmax of the input's and its mirror image's logits, otherwise the softmax of the logits.
/// </summary>
/// <param name="InputShape">One example's shape: [inputs] for a fully connected net, [channels, height, width] for a CNN.</param>
/// <param name="Layers">The layers, input first.</param>
/// <param name="FlipAveraging">Whether scoring averages the probabilities of each example and its horizontal mirror.</param>
public sealed record InferenceGraph(long[] InputShape, IReadOnlyList<InferenceLayer> Layers, bool FlipAveraging);
