using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model;
using Microsoft.ML.Model.OnnxConverter;
using Faces.MLNet.Onnx;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;

[assembly: LoadableClass(typeof(MixtureOfGaussiansModelParameters), null, typeof(SignatureLoadModel),
    "Faces mixture-of-Gaussians classifier", MixtureOfGaussiansModelParameters.LoaderSignature)]

namespace Faces.MLNet.Mixtures;

/// <summary>
/// One Gaussian mixture per class and the class priors; maps a Features vector to class posteriors
/// p(class | x) ∝ p(x | class) · p(class). Saved inside ML.NET's model .zip.
/// </summary>
public sealed class MixtureOfGaussiansModelParameters : ModelParametersBase<VBuffer<float>>, IValueMapper, ISingleCanSaveOnnx
{
    internal const string LoaderSignature = "FacesMoGClassifier";

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESMOG",
        verWrittenCur: 0x00010002, // the parameters inside a SHA-256-checked block
        verReadableCur: 0x00010002,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(MixtureOfGaussiansModelParameters).Assembly.FullName);

    private readonly GaussianMixture?[] mixtures;
    private readonly double[] logPriors;
    private readonly int featureCount;
    private readonly VectorDataViewType inputType;
    private readonly VectorDataViewType outputType;

    /// <summary>The mixture of each class (null for a class with no training rows), in key order.</summary>
    public IReadOnlyList<GaussianMixture?> Mixtures => mixtures;

    /// <summary>Class priors (training frequencies), in key order.</summary>
    public IReadOnlyList<double> ClassPriors => logPriors.Select(p => Math.Exp(p)).ToArray();

    /// <summary>Length of the Features vector.</summary>
    public int FeatureCount => featureCount;

    /// <inheritdoc />
    public override PredictionKind PredictionKind => PredictionKind.MulticlassClassification;

    DataViewType IValueMapper.InputType => inputType;
    DataViewType IValueMapper.OutputType => outputType;

    internal MixtureOfGaussiansModelParameters(IHostEnvironment env, GaussianMixture?[] mixtures, double[] priors, int featureCount)
        : base(env, LoaderSignature)
    {
        this.mixtures = mixtures;
        logPriors = priors.Select(p => Math.Log(p)).ToArray();
        this.featureCount = featureCount;
        inputType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        outputType = new VectorDataViewType(NumberDataViewType.Single, mixtures.Length);
    }

    private MixtureOfGaussiansModelParameters(IHostEnvironment env, ModelLoadContext ctx)
        : base(env, LoaderSignature, ctx)
    {
        // *** Binary format ***
        // 0x00010002: ChecksummedBlock (int32 length, SHA-256, payload) around the 0x00010001 record.
        // 0x00010001: int: classes; int: features; double[classes]: log priors;
        //             per class: bool present, then GaussianMixture.WriteTo's record.
        int classes;
        try
        {
            var reader = ctx.Header.ModelVerWritten >= 0x00010002
                ? new BinaryReader(new MemoryStream(Internals.ChecksummedBlock.Read(ctx.Reader, "The mixture-of-Gaussians model")))
                : ctx.Reader;
            (classes, featureCount, logPriors, mixtures) = ReadParameters(reader);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw Host.ExceptDecode(e, e.Message);
        }
        inputType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        outputType = new VectorDataViewType(NumberDataViewType.Single, classes);
    }

    private static (int Classes, int Features, double[] LogPriors, GaussianMixture?[] Mixtures) ReadParameters(BinaryReader reader)
    {
        int classes = reader.ReadInt32();
        int features = reader.ReadInt32();
        if (classes < 2 || features < 1)
            throw new InvalidDataException($"The mixture-of-Gaussians model is damaged: {classes} classes of {features} features.");
        Internals.ChecksummedBlock.CheckRemaining(reader, classes, sizeof(double), "The mixture-of-Gaussians model");
        var logPriors = Enumerable.Range(0, classes).Select(_ => reader.ReadDouble()).ToArray();
        var mixtures = new GaussianMixture?[classes];
        for (int c = 0; c < classes; c++)
        {
            if (!reader.ReadBoolean()) continue;
            mixtures[c] = GaussianMixture.ReadFrom(reader);
            if (mixtures[c]!.Dimension != features)
                throw new InvalidDataException($"The mixture-of-Gaussians model is damaged: class {c}'s mixture has {mixtures[c]!.Dimension} dimensions, not {features}.");
        }
        return (classes, features, logPriors, mixtures);
    }

    internal static MixtureOfGaussiansModelParameters Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        env.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        return new MixtureOfGaussiansModelParameters(env, ctx);
    }

    /// <inheritdoc />
    public override void SaveCore(ModelSaveContext ctx)
    {
        base.SaveCore(ctx);
        ctx.SetVersionInfo(GetVersionInfo());
        Internals.ChecksummedBlock.Write(ctx.Writer, writer =>
        {
            writer.Write(mixtures.Length);
            writer.Write(featureCount);
            foreach (var p in logPriors) writer.Write(p);
            foreach (var mixture in mixtures)
            {
                writer.Write(mixture != null);
                mixture?.WriteTo(writer);
            }
        });
    }

    ValueMapper<TIn, TOut> IValueMapper.GetMapper<TIn, TOut>()
    {
        Host.Check(typeof(TIn) == typeof(VBuffer<float>) && typeof(TOut) == typeof(VBuffer<float>), "Features and Score must be float vectors.");
        ValueMapper<VBuffer<float>, VBuffer<float>> map = Map;
        return (ValueMapper<TIn, TOut>)(Delegate)map;
    }

    /// <summary>Why the model cannot be exported to ONNX, or null when it can (<see cref="MixtureOnnxWriter"/>).</summary>
    public string? OnnxRefusal => MixtureOnnxWriter.Refusal(mixtures, featureCount);

    bool ICanSaveOnnx.CanSaveOnnx(OnnxContext ctx) => OnnxRefusal == null;

    bool ISingleCanSaveOnnx.SaveAsOnnx(OnnxContext ctx, string[] outputNames, string featureColumn)
    {
        Host.CheckValue(ctx, nameof(ctx));
        Host.Check(outputNames.Length == 2, "A multiclass predictor writes PredictedLabel and Score.");
        ctx.CheckOpSetVersion(OnnxGraph.MinimumOpSet, LoaderSignature);
        if (OnnxRefusal != null) return false;
        MixtureOnnxWriter.Write(new OnnxGraph(ctx, "mixture"), mixtures, logPriors, featureCount, featureColumn, outputNames);
        return true;
    }

    private void Map(in VBuffer<float> source, ref VBuffer<float> destination)
    {
        if (source.Length != featureCount)
            throw Host.Except($"The Features vector has {source.Length} values; this mixture model was trained on {featureCount}.");
        // Buffers per call and read-only model state: ML.NET calls one mapper from several cursor threads at once.
        var values = new float[featureCount];
        Internals.FeatureRows.CopyFinite(Host, source, values, "Features");
        var row = Array.ConvertAll(values, v => (double)v);
        var joint = new double[mixtures.Length];
        for (int c = 0; c < mixtures.Length; c++)
            joint[c] = mixtures[c] == null ? double.NegativeInfinity : mixtures[c]!.Density.LogDensity(row) + logPriors[c];
        double total = MixtureDensity.LogSumExp(joint);
        if (!double.IsFinite(total))
            throw Host.Except($"The class densities of a Features vector are {total}: its values are far outside what the model was trained on.");
        var editor = VBufferEditor.Create(ref destination, mixtures.Length);
        for (int c = 0; c < joint.Length; c++) editor.Values[c] = (float)Math.Exp(joint[c] - total);
        destination = editor.Commit();
    }
}
