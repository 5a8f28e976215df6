using System.Collections.Concurrent;
using Faces.MLNet.Onnx;
using Faces.Torch.Export;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
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

    /// <summary>
    /// Rows per ONNX Runtime run: the memory a run holds for its activations grows with its rows (the face and its mirror
    /// image, each layer's output in ONNX Runtime's own arena, which never shrinks), so a large batch is scored a few rows
    /// at a time; 32 rows keep the per-run cost a small part of a run.
    /// </summary>
    public const int RowsPerRun = 32;

    /// <summary>
    /// Probabilities of the first <paramref name="count"/> rows of <paramref name="rows"/> (row after row): [count × classes].
    /// ONNX Runtime reads the rows where they are (a libtorch batch or a managed array, pinned meanwhile): a copy per
    /// batch would be a large-object-heap array each time, garbage that the runtime keeps until a full collection.
    /// </summary>
    public unsafe float[] Probabilities(ReadOnlySpan<float> rows, int count)
    {
        if (rows.Length < count * inputs) throw new ArgumentException($"{rows.Length} values do not make {count} rows of {inputs}.", nameof(rows));
        var (_, session, output) = sessions.GetOrAdd(Faces.Torch.TorchEnvironment.Threads, Open).Value;
        var probabilities = new float[count * classes];
        using var run = new RunOptions();
        fixed (float* first = rows)
        {
            for (int start = 0; start < count; start += RowsPerRun)
            {
                int length = Math.Min(RowsPerRun, count - start);
                using var input = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, new long[] { length, inputs },
                    (IntPtr)(first + (long)start * inputs), (long)length * inputs * sizeof(float));
                using var results = session.Run(run, new[] { NetworkOnnxModel.Input }, new[] { input }, new[] { output });
                var scores = results[0].GetTensorDataAsSpan<float>();
                if (scores.Length != length * classes)
                    throw new InvalidOperationException($"ONNX Runtime returned {scores.Length} probabilities for {length} rows of {classes} classes.");
                scores.CopyTo(probabilities.AsSpan(start * classes));
            }
        }
        return probabilities;
    }

    private Lazy<(SessionOptions, InferenceSession, string)> Open(int threads) => new(() =>
    {
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            // A plan of every intermediate buffer per input shape, kept for the next run of that shape: memory held for
            // each batch size seen, for no speed measured here.
            EnableMemoryPattern = false,
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
