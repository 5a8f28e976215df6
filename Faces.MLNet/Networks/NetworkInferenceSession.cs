using System.Collections.Concurrent;
using Faces.MLNet.Onnx;
using Faces.Torch.Export;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Networks;

/// <summary>
/// A network scored in ONNX Runtime (<see cref="ScoringEngine.OnnxRuntime"/>): its graph is written once, and one
/// session per libtorch thread count is opened on first use with that many intra-op threads, so <c>--threads</c> means
/// the same for both engines. ONNX Runtime's <c>Run</c> may be called from several threads at once.
/// </summary>
internal sealed class NetworkInferenceSession : IDisposable
{
    private readonly byte[] model;
    private readonly int inputs;
    private readonly int classes;
    private readonly ConcurrentDictionary<int, Lazy<(SessionOptions Options, InferenceSession Session, string Output)>> sessions = new();

    public NetworkInferenceSession(IHostEnvironment env, InferenceGraph network, int inputs, int classes)
    {
        this.inputs = inputs;
        this.classes = classes;
        model = NetworkOnnxModel.Build(env, network, inputs, classes);
    }

    /// <summary>Probabilities of the first <paramref name="count"/> rows of <paramref name="rows"/> (row after row): [count × classes].</summary>
    public float[] Probabilities(Memory<float> rows, int count)
    {
        var (_, session, output) = sessions.GetOrAdd(Faces.Torch.TorchEnvironment.Threads, Open).Value;
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows[..(count * inputs)], new long[] { count, inputs });
        using var run = new RunOptions();
        using var results = session.Run(run, new[] { NetworkOnnxModel.Input }, new[] { input }, new[] { output });
        var probabilities = results[0].GetTensorDataAsSpan<float>();
        if (probabilities.Length != count * classes)
            throw new InvalidOperationException($"ONNX Runtime returned {probabilities.Length} probabilities for {count} rows of {classes} classes.");
        return probabilities.ToArray();
    }

    private Lazy<(SessionOptions, InferenceSession, string)> Open(int threads) => new(() =>
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        var session = new InferenceSession(model, options);
        return (options, session, session.OutputMetadata.Keys.Single());
    });

    public void Dispose()
    {
        foreach (var opened in sessions.Values.Where(s => s.IsValueCreated))
        {
            opened.Value.Session.Dispose();
            opened.Value.Options.Dispose();
        }
    }
}
