using Faces.MLNet.Networks;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model;
using Microsoft.ML.Model.OnnxConverter;
using Faces.MLNet.Onnx;
using Faces.Torch.Export;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;

[assembly: LoadableClass(typeof(NetworkModelParameters), null, typeof(SignatureLoadModel),
    "Faces Torch network classifier", NetworkModelParameters.LoaderSignature)]

namespace Faces.MLNet.Networks;

/// <summary>
/// A trained Faces.Torch MLP or CNN as ML.NET model parameters: maps a Features vector to class probabilities
/// (softmax of the network's logits). The network file (architecture, learning curve, weights with a checksum) is
/// embedded in ML.NET's model .zip.
/// </summary>
public sealed class NetworkModelParameters : ModelParametersBase<VBuffer<float>>, IValueMapper, ISingleCanSaveOnnx, IDisposable
{
    internal const string LoaderSignature = "FacesTorchNetwork";

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESNNC",
        verWrittenCur: 0x00010002, // the network file inside a SHA-256-checked block
        verReadableCur: 0x00010002,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(NetworkModelParameters).Assembly.FullName);

    private readonly VectorDataViewType inputType;
    private readonly VectorDataViewType outputType;
    private readonly Lazy<MlpScorer?> mlpScorer;
    private readonly Lazy<NetworkInferenceSession> onnxSession;
    private volatile ScoringEngine engine;

    /// <summary>The trained network (architecture, weights, learning curve).</summary>
    public FacesNetwork Network { get; }

    /// <summary>Per-epoch cross-entropy and accuracy on the training and validation splits.</summary>
    public IReadOnlyList<EpochRecord> LearningCurve => Network.LearningCurve;

    /// <summary>The architecture, including the input shape.</summary>
    public NetworkArchitecture Architecture => Network.Architecture;

    /// <inheritdoc />
    public override PredictionKind PredictionKind => PredictionKind.MulticlassClassification;

    DataViewType IValueMapper.InputType => inputType;
    DataViewType IValueMapper.OutputType => outputType;

    internal NetworkModelParameters(IHostEnvironment env, FacesNetwork network)
        : base(env, LoaderSignature)
    {
        Network = network;
        mlpScorer = new(() => MlpScorer.TryCreate(Network));
        inputType = new VectorDataViewType(NumberDataViewType.Single, checked((int)network.Architecture.InputSize));
        outputType = new VectorDataViewType(NumberDataViewType.Single, network.Architecture.Classes);
        onnxSession = new(OpenOnnxSession);
        engine = DefaultEngine(Network);
    }

    private NetworkModelParameters(IHostEnvironment env, ModelLoadContext ctx)
        : base(env, LoaderSignature, ctx)
    {
        // *** Binary format ***
        // 0x00010002: ChecksummedBlock (int32 length, SHA-256, payload) holding FacesNetwork.Save's stream (FACESNET
        //             header, architecture, curve, checksummed weights).
        // 0x00010001: int: byte count; bytes: the same stream.
        try
        {
            byte[] bytes = ctx.Header.ModelVerWritten >= 0x00010002
                ? Internals.ChecksummedBlock.Read(ctx.Reader, "The network in the model .zip")
                : LegacyBlock(ctx.Reader);
            Network = FacesNetwork.Load(new MemoryStream(bytes), "cpu", "the network in the model .zip");
            mlpScorer = new(() => MlpScorer.TryCreate(Network));
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or ArgumentException)
        {
            throw Host.ExceptDecode(e, e.Message);
        }
        inputType = new VectorDataViewType(NumberDataViewType.Single, checked((int)Network.Architecture.InputSize));
        outputType = new VectorDataViewType(NumberDataViewType.Single, Network.Architecture.Classes);
        onnxSession = new(OpenOnnxSession);
        engine = DefaultEngine(Network);
    }

    /// <summary>
    /// The engine a network is scored by unless <see cref="Engine"/> is set: ONNX Runtime for the real-face network on
    /// the CPU (its optimised graph scores a face in about half libtorch's time; docs/real-faces.md has the
    /// measurement), libtorch for the study's networks (the MLP has its own C# scorer, the CNN is the study's as trained).
    /// </summary>
    public static ScoringEngine DefaultEngine(FacesNetwork network) =>
        network.Architecture is ExpressionNetArchitecture && network.Device.type == TorchSharp.DeviceType.CPU && network.Module is IDescribesInference
            ? ScoringEngine.OnnxRuntime
            : ScoringEngine.Libtorch;

    /// <summary>
    /// What computes this network's scores in <c>Transform</c>, <c>PredictionEngine</c> and <see cref="Score(float[], int)"/>
    /// (saliency maps always take libtorch's gradients). Set it before scoring starts: rows already being scored finish
    /// with the engine they started with. <see cref="ScoringEngine.OnnxRuntime"/> needs a network with an ONNX form.
    /// </summary>
    public ScoringEngine Engine
    {
        get => engine;
        set
        {
            if (value == ScoringEngine.OnnxRuntime && OnnxRefusal is { } reason)
                throw Host.ExceptParam(nameof(value), $"ONNX Runtime cannot score this model: {reason}.");
            engine = value;
        }
    }

    private NetworkInferenceSession OpenOnnxSession() =>
        new(Host, ((IDescribesInference)Network.Module).DescribeInference(), inputType.Size, outputType.Size);

    private static byte[] LegacyBlock(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        Internals.ChecksummedBlock.CheckRemaining(reader, length, 1, "The network in the model .zip");
        var bytes = reader.ReadBytes(length);
        if (length <= 0 || bytes.Length != length) throw new InvalidDataException("The network in the model .zip is truncated.");
        return bytes;
    }

    internal static NetworkModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new NetworkModelParameters(env, ctx);
    }

    /// <inheritdoc />
    public override void SaveCore(ModelSaveContext ctx)
    {
        base.SaveCore(ctx);
        ctx.SetVersionInfo(GetVersionInfo());
        Internals.ChecksummedBlock.Write(ctx.Writer, writer => Network.Save(writer.BaseStream));
    }

    ValueMapper<TIn, TOut> IValueMapper.GetMapper<TIn, TOut>()
    {
        Host.Check(typeof(TIn) == typeof(VBuffer<float>) && typeof(TOut) == typeof(VBuffer<float>), "Features and Score must be float vectors.");
        int size = inputType.Size;
        ValueMapper<VBuffer<float>, VBuffer<float>> map = (in VBuffer<float> source, ref VBuffer<float> destination) =>
        {
            // A buffer per call: ML.NET may run one mapper on several cursors at once.
            var dense = new float[inputType.Size];
            CopyFeatures(source, dense, -1);
            float[] probabilities = Score(dense, 1);
            var editor = VBufferEditor.Create(ref destination, probabilities.Length);
            probabilities.AsSpan().CopyTo(editor.Values);
            destination = editor.Commit();
        };
        return (ValueMapper<TIn, TOut>)(Delegate)map;
    }

    /// <summary>Checks one Features vector (its length, finite values) and writes it densely into <paramref name="dense"/>.</summary>
    internal void CopyFeatures(in VBuffer<float> source, Span<float> dense, long row)
    {
        if (source.Length != inputType.Size)
            throw Host.Except($"{(row >= 0 ? $"Row {row}: the" : "The")} Features vector has {source.Length} values; this network was trained on {Describe(Architecture)}.");
        Internals.FeatureRows.CopyFinite(Host, source, dense, "Features", row);
    }

    /// <summary>
    /// Probabilities for <paramref name="count"/> dense rows of <paramref name="dense"/> in one forward pass
    /// ([count × classes]); an output that is not finite is an error, never a silent NaN score.
    /// </summary>
    internal float[] Score(float[] dense, int count)
    {
        if (engine == ScoringEngine.OnnxRuntime) return Checked(onnxSession.Value.Probabilities(dense, count), dense);
        if (MlpScorer == null) return Checked(Network.PredictProbabilities(dense, count), dense);
        var probabilities = new float[count * outputType.Size];
        ScoreRows(dense, count, -1, 1, probabilities);
        return probabilities;
    }

    /// <summary>
    /// The MLP's scorer in C# loops (<see cref="Faces.Torch.Models.MlpScorer"/>, over a copy of the weights made on
    /// first use), or null: the CNN, or a network these loops do not cover, is scored by libtorch; and a network
    /// scored by ONNX Runtime.
    /// </summary>
    internal MlpScorer? MlpScorer => engine == ScoringEngine.Libtorch ? mlpScorer.Value : null;

    /// <summary>
    /// Probabilities of <paramref name="count"/> rows read in place (row after row) by <see cref="MlpScorer"/> into
    /// <paramref name="probabilities"/>, on up to <paramref name="threads"/> threads. A NaN or infinite value is an error
    /// naming its row (counted from <paramref name="firstRow"/>, when known) and slot; so is an output that is not finite.
    /// </summary>
    internal void ScoreRows(ReadOnlyMemory<float> rows, int count, long firstRow, int threads, float[] probabilities) =>
        CheckRows(rows, count, firstRow, Scorer().Probabilities(rows, count, probabilities, threads), probabilities);

    /// <summary>The computing half of <see cref="ScoreRows"/>, as a batch threads can share (<see cref="MlpScorer.Batch"/>).</summary>
    internal MlpScorer.Batch StartRows(ReadOnlyMemory<float> rows, int count, float[] probabilities) => Scorer().Start(rows, count, probabilities);

    /// <summary>The same for rows kept one array each.</summary>
    internal MlpScorer.Batch StartRows(float[][] rows, int count, float[] probabilities) => Scorer().Start(rows, count, probabilities);

    private MlpScorer Scorer() => MlpScorer ?? throw Host.ExceptNotSupp("Only the MLP is scored by MlpScorer.");

    /// <summary>The checking half of <see cref="ScoreRows"/>: <paramref name="bad"/> is the scorer's first row that is not finite, or −1.</summary>
    internal void CheckRows(ReadOnlyMemory<float> rows, int count, long firstRow, int bad, float[] probabilities)
    {
        int size = inputType.Size;
        CheckRows(count, firstRow, bad, probabilities, r => rows.Span.Slice(r * size, size));
    }

    /// <summary>The same for rows kept one array each.</summary>
    internal void CheckRows(float[][] rows, int count, long firstRow, int bad, float[] probabilities) =>
        CheckRows(count, firstRow, bad, probabilities, r => rows[r].AsSpan(0, inputType.Size));

    private void CheckRows(int count, long firstRow, int bad, float[] probabilities, Func<int, ReadOnlySpan<float>> row)
    {
        if (bad >= 0) Internals.FeatureRows.CheckFinite(Host, row(bad), "Features", firstRow >= 0 ? firstRow + bad : -1);
        int badOutput = FirstNonFiniteRow(probabilities.AsSpan(0, count * outputType.Size));
        if (badOutput >= 0) throw OutputNotFinite(row(badOutput));
    }

    /// <summary>The same for the first <paramref name="count"/> rows of a batch from <see cref="FacesNetwork.NewBatch"/>.</summary>
    internal float[] Score(TorchSharp.torch.Tensor batch, int count)
    {
        if (engine == ScoringEngine.OnnxRuntime)
        {
            var values = FacesNetwork.Rows(batch)[..(count * inputType.Size)];
            return Checked(onnxSession.Value.Probabilities(values, count), values);
        }
        using var rows = count == batch.shape[0] ? batch.alias() : batch.narrow(0, 0, count);
        return Checked(Network.PredictProbabilities(rows), FacesNetwork.Rows(batch));
    }

    private float[] Checked(float[] probabilities, ReadOnlySpan<float> inputs)
    {
        int row = FirstNonFiniteRow(probabilities), size = inputType.Size;
        if (row >= 0) throw OutputNotFinite(inputs.Slice(row * size, size));
        return probabilities;
    }

    /// <summary>The first row of probabilities with a value that is not finite, or −1.</summary>
    private int FirstNonFiniteRow(ReadOnlySpan<float> probabilities)
    {
        for (int i = 0; i < probabilities.Length; i++)
            if (!float.IsFinite(probabilities[i])) return i / outputType.Size;
        return -1;
    }

    private Exception OutputNotFinite(ReadOnlySpan<float> input) =>
        Host.Except("The network's output for a Features vector is not finite: its values are far outside what the network was trained on " +
                    $"(largest magnitude {input.ToArray().Max(MathF.Abs)}).");

    internal static string Describe(NetworkArchitecture architecture) => architecture switch
    {
        CnnArchitecture c => $"{c.InputSize} values ({c.Height}x{c.Width} pixels x {c.Channels} channel(s))",
        ExpressionNetArchitecture e => $"{e.InputSize} values ({e.Height}x{e.Width} pixels x {e.Channels} channel(s))",
        _ => $"{architecture.InputSize} values",
    };

    /// <summary>Why the network cannot be exported to ONNX, or null when it can.</summary>
    public string? OnnxRefusal => Network.Module is IDescribesInference ? null : $"the network {Network.Module.GetType().Name} has no ONNX form";

    bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => OnnxRefusal == null;

    bool ISingleCanSaveOnnx.SaveAsOnnx(OnnxContext ctx, string[] outputNames, string featureColumn)
    {
        Host.CheckValue(ctx, nameof(ctx));
        Host.Check(outputNames.Length == 2, "A multiclass predictor writes PredictedLabel and Score.");
        ctx.CheckOpSetVersion(OnnxGraph.MinimumOpSet, LoaderSignature);
        if (Network.Module is not IDescribesInference network) return false;
        NetworkOnnxWriter.Write(new OnnxGraph(ctx, "network"), network.DescribeInference(), featureColumn, outputNames);
        return true;
    }

    /// <summary>Releases the network's tensors.</summary>
    public void Dispose()
    {
        if (onnxSession.IsValueCreated) onnxSession.Value.Dispose();
        Network.Dispose();
    }
}
