using Faces.MLNet.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(NetworkPredictionTransformer), typeof(NetworkPredictionTransformer), null, typeof(SignatureLoadModel),
    "Faces network prediction transformer", NetworkPredictionTransformer.LoaderSignature)]

namespace Faces.MLNet.Networks;

/// <summary>
/// What the MLP and CNN trainers return: Score (class probabilities) and PredictedLabel, exactly as ML.NET's
/// <see cref="MulticlassPredictionTransformer{TModel}"/> gives them (it is kept inside and saved with the model), but
/// <see cref="Transform"/> scores <see cref="BatchSize"/> rows per forward pass: its cursor reads a batch of Features
/// ahead with a second cursor, runs the network once, then serves the rows (<see cref="BatchScoredDataView"/>).
/// <see cref="GetRowToRowMapper"/> (what <c>PredictionEngine</c> uses) scores one row per call.
/// </summary>
public sealed class NetworkPredictionTransformer : ISingleFeaturePredictionTransformer<NetworkModelParameters>, ICanSaveModel, IDisposable
{
    internal const string LoaderSignature = "FacesNetworkPredict";

    /// <summary>
    /// Rows per forward pass when nothing else is asked for, per network, chosen by measurement on 2 cores. The MLP's
    /// 512 was measured in libtorch, whose fixed cost per call of the small layers is amortised there (0.92 µs a row at
    /// 128 rows, 0.73 at 256, 0.63 at 512 and at 1,024); libtorch still scores the MLP on a CPU without the SIMD that
    /// <see cref="Faces.Torch.Models.MlpScorer"/> needs, and elsewhere 512 rows give each thread several of its 64-row
    /// blocks. The CNN's activations outgrow the caches sooner (64 / 128 / 256 rows → 0.86x / 0.82x / 0.76x PyTorch's
    /// throughput).
    /// </summary>
    public static int DefaultBatchSize(Faces.Torch.Models.NetworkArchitecture architecture) =>
        architecture is Faces.Torch.Models.MlpArchitecture ? DefaultMlpBatchSize : DefaultCnnBatchSize;

    /// <summary>The CNN's default rows per forward pass.</summary>
    public const int DefaultCnnBatchSize = 128;

    /// <summary>The MLP's default rows per forward pass.</summary>
    public const int DefaultMlpBatchSize = 512;

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESNPT",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(NetworkPredictionTransformer).Assembly.FullName);

    private const string RowScorerName = "RowScorer";

    private readonly IHost host;
    private readonly ISingleFeaturePredictionTransformer<object> rowScorer;

    /// <summary>The trained network.</summary>
    public NetworkModelParameters Model { get; }

    /// <summary>Rows scored per forward pass by <see cref="Transform"/>.</summary>
    public int BatchSize { get; }

    /// <summary>The same model as ML.NET's own per-row scorer: one forward pass per row (for comparisons and benchmarks).</summary>
    public ITransformer RowByRow => rowScorer;

    /// <inheritdoc />
    public string FeatureColumnName => rowScorer.FeatureColumnName;

    /// <inheritdoc />
    public DataViewType FeatureColumnType => rowScorer.FeatureColumnType;

    bool ITransformer.IsRowToRowMapper => true;

    internal NetworkPredictionTransformer(IHostEnvironment env, NetworkModelParameters model, DataViewSchema trainSchema, string featureColumn, string labelColumn,
        int? batchSize = null)
    {
        host = Contracts.CheckRef(env, nameof(env)).Register(nameof(NetworkPredictionTransformer));
        host.CheckParam(batchSize is null or >= 1, nameof(batchSize), "must be at least 1");
        Model = model;
        BatchSize = batchSize ?? DefaultBatchSize(model.Architecture);
        rowScorer = new MulticlassPredictionTransformer<NetworkModelParameters>(host, model, trainSchema, featureColumn, labelColumn);
    }

    private NetworkPredictionTransformer(IHostEnvironment env, ModelLoadContext ctx)
    {
        host = env.Register(nameof(NetworkPredictionTransformer));
        // *** Binary format ***
        // int: batch size (≥ 1)
        // sub-model "RowScorer": ML.NET's MulticlassPredictionTransformer over the network.
        BatchSize = ctx.Reader.ReadInt32();
        if (BatchSize < 1) throw host.ExceptDecode($"The network transformer's batch size is {BatchSize}.");
        ctx.LoadModel<ITransformer, SignatureLoadModel>(host, out var loaded, RowScorerName);
        if (loaded is not ISingleFeaturePredictionTransformer<object> { Model: NetworkModelParameters model } scorer)
            throw host.ExceptDecode($"The network transformer holds a {loaded.GetType().Name}, not a network scorer.");
        rowScorer = scorer;
        Model = model;
    }

    internal static NetworkPredictionTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new NetworkPredictionTransformer(env, ctx);
    }

    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.Writer.Write(BatchSize);
        ctx.SaveModel(rowScorer, RowScorerName);
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => rowScorer.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => rowScorer.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        host.CheckValue(input, nameof(input));
        return new BatchScoredDataView(host, input, GetOutputSchema(input.Schema), Model, FeatureColumnName, BatchSize, rowScorer);
    }

    /// <summary>Releases the network's tensors.</summary>
    public void Dispose() => (rowScorer as IDisposable)?.Dispose();
}
