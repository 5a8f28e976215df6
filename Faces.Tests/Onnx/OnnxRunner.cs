using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Faces.Tests.Onnx;

/// <summary>Scores rows with ONNX Runtime alone (graph optimisations on), as an application without Faces would.</summary>
internal static class OnnxRunner
{
    public static (float[][] Scores, string[] Labels) Score(byte[] model, float[][] rows)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        int width = rows[0].Length;
        var input = new DenseTensor<float>(rows.SelectMany(r => r).ToArray(), new[] { rows.Length, width });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", input) });
        var scores = results.Single(r => r.Name == "Score.output").AsTensor<float>();
        var labels = results.Single(r => r.Name == "PredictedLabel.output").AsTensor<string>();
        int classes = scores.Dimensions[1];
        return (Enumerable.Range(0, rows.Length).Select(n => Enumerable.Range(0, classes).Select(c => scores[n, c]).ToArray()).ToArray(),
                Enumerable.Range(0, rows.Length).Select(n => labels[n, 0]).ToArray());
    }
}
