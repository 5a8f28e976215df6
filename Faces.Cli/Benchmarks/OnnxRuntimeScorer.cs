using Microsoft.ML.OnnxRuntime;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// An exported Faces model in ONNX Runtime (all graph optimisations on, sequential execution, the given intra-op
/// threads), scoring rows from one float array in batches or one row at a time: the other side of the ONNX cases of
/// <c>faces benchmark score</c>.
/// </summary>
internal sealed class OnnxRuntimeScorer : IDisposable
{
    private static readonly string[] InputNames = { "Features" };
    private static readonly string[] OutputNames = { "Score.output" };
    private readonly SessionOptions options;
    private readonly InferenceSession session;
    private readonly RunOptions run = new();
    private readonly int width;

    public OnnxRuntimeScorer(byte[] model, int width, int threads)
    {
        this.width = width;
        options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        session = new InferenceSession(model, options);
    }

    /// <summary>Scores the first <paramref name="rows"/> rows of <paramref name="features"/>, <paramref name="batch"/> rows per run; returns the rows scored.</summary>
    public int Score(float[] features, int rows, int batch)
    {
        int scored = 0;
        for (int start = 0; start < rows; start += batch)
        {
            int count = Math.Min(batch, rows - start);
            Probabilities(features.AsMemory(start * width, count * width), count);
            scored += count;
        }
        return scored;
    }

    /// <summary>One row's probabilities.</summary>
    public float[] ScoreOne(float[] row) => Probabilities(row, 1);

    private float[] Probabilities(Memory<float> rows, int count)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows, new long[] { count, width });
        using var outputs = session.Run(run, InputNames, new[] { input }, OutputNames);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
        run.Dispose();
    }
}
