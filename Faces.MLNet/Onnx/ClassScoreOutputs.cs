namespace Faces.MLNet.Onnx;

/// <summary>
/// The two outputs ML.NET's multiclass scorer asks a predictor for (<c>ISingleCanSaveOnnx</c>): PredictedLabel (a
/// 1-based key, uint32) and Score (the class probabilities), written from the probabilities [N, classes].
/// </summary>
internal static class ClassScoreOutputs
{
    public static void Write(OnnxGraph graph, string probabilities, string[] outputs)
    {
        // outputs[0]: PredictedLabel, outputs[1]: Score (ML.NET's order for multiclass predictors).
        graph.Write("Identity", new[] { probabilities }, outputs[1]);
        var index = graph.Node("ArgMax", new[] { probabilities }, n => { n.AddAttribute("axis", 1L); n.AddAttribute("keepdims", 1L); });
        // Keys count from 1 (0 is ML.NET's missing key); ArgMax takes the first of equal maxima, as ML.NET does.
        var key = graph.Node("Add", new[] { index, graph.Scalar(1L, "one") });
        graph.Write("Cast", new[] { key }, outputs[0], n => n.AddAttribute("to", typeof(uint)));
    }
}
