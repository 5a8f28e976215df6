using System.Text;
using Faces.Torch.Native;
using Faces.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// A network with its architecture and learning curve: predicts, evaluates, and saves to / loads from a stream or
/// file (<see cref="NetworkFile"/> is the format).
/// </summary>
public sealed class FacesNetwork : IDisposable
{

    /// <summary>What the network is.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>The TorchSharp module (logits out).</summary>
    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>The device the module lives on.</summary>
    public Device Device { get; private set; }

    /// <summary>Per-epoch metrics of the training that produced these weights (empty for an untrained network).</summary>
    public IReadOnlyList<EpochRecord> LearningCurve { get; internal set; } = Array.Empty<EpochRecord>();

    private FacesNetwork(NetworkArchitecture architecture, nn.Module<Tensor, Tensor> module, Device device)
    {
        Architecture = architecture;
        Module = module;
        Device = device;
    }

    /// <summary>A freshly initialised network; <paramref name="seed"/> fixes the initial weights.</summary>
    public static FacesNetwork Create(NetworkArchitecture architecture, int seed, string device = "cpu")
    {
        TorchRuntime.EnsureInitialized();
        architecture.Validate();
        var resolved = TorchEnvironment.ResolveDevice(device);
        using var generator = new Generator((ulong)seed);
        var module = architecture.Build(generator);
        module.to(resolved);
        return new FacesNetwork(architecture, module, resolved);
    }

    /// <summary>Trainable parameters, counted from the module.</summary>
    public long ParameterCount => Module.parameters().Sum(p => p.numel());

    /// <summary>
    /// The first layer's weights, one array per unit: for the MLP each hidden unit's input weights (an image-sized
    /// template), for the CNN each first-layer filter (its first input channel, FilterSize² values, row by row).
    /// </summary>
    public float[][] FirstLayerWeights()
    {
        using var scope = NewDisposeScope();
        var weight = Module switch
        {
            Mlp mlp => mlp.FirstLayer.weight!.detach().cpu(),
            Cnn cnn => cnn.Convolutions.First.Weight.detach().select(1, 0).flatten(1).cpu(),
            _ => throw new NotSupportedException($"No first layer to show for {Module.GetType().Name}."),
        };
        long units = weight.shape[0], width = weight.shape[1];
        var values = weight.contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)units).Select(u => values.AsSpan(u * (int)width, (int)width).ToArray()).ToArray();
    }

    /// <summary>Moves the network to another device.</summary>
    public void MoveTo(string device)
    {
        Device = TorchEnvironment.ResolveDevice(device);
        Module.to(Device);
    }

    /// <summary>Logits for [N, D] features (no gradient).</summary>
    public Tensor Logits(Tensor features)
    {
        CheckWidth(features.shape[^1] == Architecture.InputSize || features.dim() == 4, features.shape[^1]);
        Module.eval();
        using var _ = no_grad();
        using var onDevice = features.to(Device);
        return Module.forward(onDevice);
    }

    /// <summary>Class probabilities for one flattened example.</summary>
    public float[] PredictProbabilities(ReadOnlySpan<float> example)
    {
        CheckWidth(example.Length == Architecture.InputSize, example.Length);
        using var scope = NewDisposeScope();
        var x = tensor(example.ToArray(), new long[] { 1, example.Length });
        return nn.functional.softmax(Logits(x), 1).cpu().data<float>().ToArray();
    }

    /// <summary>
    /// Class probabilities for <paramref name="count"/> flattened examples stored row after row in
    /// <paramref name="rows"/>, in one forward pass: [count × classes], row after row.
    /// </summary>
    public float[] PredictProbabilities(float[] rows, int count)
    {
        long width = Architecture.InputSize;
        CheckWidth(count > 0 && rows.LongLength >= count * width, count > 0 ? rows.LongLength / count : 0);
        using var batch = NewBatch(count);
        rows.AsSpan(0, (int)(count * width)).CopyTo(Rows(batch));
        return PredictProbabilities(batch);
    }

    /// <summary>
    /// An uninitialised [<paramref name="count"/>, inputs] float32 batch in libtorch's own (aligned) memory, to be filled
    /// through <see cref="Rows"/> and scored by <see cref="PredictProbabilities(Tensor)"/>; reusable for batch after batch.
    /// </summary>
    /// <remarks>
    /// libtorch's memory, not a copy of a managed array: a matrix product's rounding can depend on where its input
    /// starts, and a managed array's address changes from call to call; scores must not.
    /// </remarks>
    public Tensor NewBatch(int count)
    {
        TorchRuntime.EnsureInitialized();
        return empty(new long[] { count, Architecture.InputSize }, dtype: ScalarType.Float32);
    }

    /// <summary>A batch's values, row after row, to write examples into.</summary>
    public static Span<float> Rows(Tensor batch) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(batch.bytes);

    /// <summary>Class probabilities for a [count, inputs] CPU batch in one forward pass: [count × classes], row after row.</summary>
    public float[] PredictProbabilities(Tensor batch)
    {
        using var scope = NewDisposeScope();
        return nn.functional.softmax(Logits(batch), 1).cpu().data<float>().ToArray();
    }

    /// <summary>Rows per forward pass in <see cref="Evaluate"/>: its activations, not its speed, set the size.</summary>
    public const int EvaluationBatchSize = 128;

    /// <summary>Whole-split cross-entropy (mean), accuracy, probabilities and predictions.</summary>
    public SplitEvaluation Evaluate(LabeledTensors data, int batchSize = EvaluationBatchSize)
    {
        CheckWidth(data.Width == Architecture.InputSize, data.Width);
        double totalLoss = 0;
        long correct = 0;
        var probabilities = new float[data.Count][];
        var predictions = new int[data.Count];
        for (long start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long length = Math.Min(batchSize, data.Count - start);
            var logits = Logits(data.Features.narrow(0, start, length));
            var logProbabilities = nn.functional.log_softmax(logits, 1).cpu();
            var labels = data.Labels.narrow(0, start, length);
            totalLoss -= logProbabilities.gather(1, labels.unsqueeze(1)).sum().item<float>();
            var predicted = logProbabilities.argmax(1);
            correct += predicted.eq(labels).sum().item<long>();
            var p = logProbabilities.exp().data<float>().ToArray();
            var argmax = predicted.data<long>().ToArray();
            int classes = (int)logProbabilities.shape[1];
            for (int i = 0; i < length; i++)
            {
                probabilities[start + i] = p.AsSpan(i * classes, classes).ToArray();
                predictions[start + i] = (int)argmax[i];
            }
        }
        return new SplitEvaluation(totalLoss / data.Count, (double)correct / data.Count, probabilities, predictions);
    }

    /// <summary>Writes the network in <see cref="NetworkFile"/>'s format; the stream stays open.</summary>
    public void Save(Stream stream)
    {
        using var weights = new MemoryStream();
        using (var writer = new BinaryWriter(weights, Encoding.UTF8, leaveOpen: true)) Module.save(writer);
        NetworkFile.Write(stream, Architecture, LearningCurve, weights.ToArray());
    }

    /// <summary>Writes the network to a file: to a temporary name first, then renamed, so an existing file is never left half-written.</summary>
    public void Save(string path) => IO.AtomicFile.Write(path, (Stream file) => Save(file));

    /// <summary>Reads a network written by <see cref="Save(Stream)"/>; <paramref name="source"/> names it in errors.</summary>
    /// <remarks>With <c>expected</c>, a file holding another architecture is an error rather than a surprise.</remarks>
    public static FacesNetwork Load(Stream stream, string device = "cpu", string source = "stream", NetworkArchitecture? expected = null)
    {
        TorchRuntime.EnsureInitialized();
        var (architecture, curve, weights) = NetworkFile.Read(stream, source);
        if (expected != null && !expected.Equals(architecture))
            throw new InvalidDataException($"{source} holds {architecture}, not the expected {expected}.");
        architecture.Validate();
        // The weights are read over the drawn ones; the generator's seed only matters to dropout in further training.
        using var generator = new Generator(0);
        var network = new FacesNetwork(architecture, architecture.Build(generator), TorchEnvironment.ResolveDevice("cpu")) { LearningCurve = curve };
        try
        {
            using var reader = new BinaryReader(new MemoryStream(weights));
            network.Module.load(reader, strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException or KeyNotFoundException)
        {
            network.Dispose();
            throw new InvalidDataException($"{source}: the weights do not fit the saved {architecture.GetType().Name}: {e.Message}", e);
        }
        network.MoveTo(device);
        return network;
    }

    /// <summary>Reads a network file written by <see cref="Save(string)"/>.</summary>
    public static FacesNetwork Load(string path, string device = "cpu", NetworkArchitecture? expected = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Network file not found: {path}", path);
        using var file = File.OpenRead(path);
        return Load(file, device, path, expected);
    }

    private void CheckWidth(bool ok, long width)
    {
        if (!ok)
            throw new ArgumentException($"This {Architecture.GetType().Name.Replace("Architecture", "")} expects {Architecture.InputSize} values per example " +
                                        $"({Describe(Architecture)}); got {width}.");
    }

    private static string Describe(NetworkArchitecture architecture) => architecture switch
    {
        CnnArchitecture c => $"{c.Height}x{c.Width}x{c.Channels}",
        _ => $"{architecture.InputSize} inputs",
    };

    /// <inheritdoc />
    public void Dispose() => Module.Dispose();
}
