using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using static TorchSharp.torch;

[assembly: LoadableClass(typeof(MixtureOfGaussiansModelParameters), null, typeof(SignatureLoadModel),
    "Faces mixture-of-Gaussians classifier", MixtureOfGaussiansModelParameters.LoaderSignature)]

namespace Faces.MLNet.Mixtures;

/// <summary>
/// One Gaussian mixture per class and the class priors; maps a Features vector to class posteriors
/// p(class | x) ∝ p(x | class) · p(class). Saved inside ML.NET's model .zip.
/// </summary>
public sealed class MixtureOfGaussiansModelParameters : ModelParametersBase<VBuffer<float>>, IValueMapper
{
    internal const string LoaderSignature = "FacesMoGClassifier";

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESMOG",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
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
        // *** Binary format (version 0x00010001) ***
        // int: classes; int: features; double[classes]: log priors;
        // per class: bool present, then GaussianMixture.WriteTo's record.
        int classes = ctx.Reader.ReadInt32();
        featureCount = ctx.Reader.ReadInt32();
        Host.CheckDecode(classes >= 2 && featureCount >= 1);
        logPriors = Enumerable.Range(0, classes).Select(_ => ctx.Reader.ReadDouble()).ToArray();
        mixtures = new GaussianMixture?[classes];
        for (int c = 0; c < classes; c++)
        {
            if (!ctx.Reader.ReadBoolean()) continue;
            mixtures[c] = GaussianMixture.ReadFrom(ctx.Reader);
            Host.CheckDecode(mixtures[c]!.Dimension == featureCount);
        }
        inputType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        outputType = new VectorDataViewType(NumberDataViewType.Single, classes);
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
        ctx.Writer.Write(mixtures.Length);
        ctx.Writer.Write(featureCount);
        foreach (var p in logPriors) ctx.Writer.Write(p);
        foreach (var mixture in mixtures)
        {
            ctx.Writer.Write(mixture != null);
            mixture?.WriteTo(ctx.Writer);
        }
    }

    ValueMapper<TIn, TOut> IValueMapper.GetMapper<TIn, TOut>()
    {
        Host.Check(typeof(TIn) == typeof(VBuffer<float>) && typeof(TOut) == typeof(VBuffer<float>), "Features and Score must be float vectors.");
        ValueMapper<VBuffer<float>, VBuffer<float>> map = Map;
        return (ValueMapper<TIn, TOut>)(Delegate)map;
    }

    /// <summary>log p(x | class) + log p(class) for each class of float64 rows [N, D]: [N, classes] (−∞ for classes never seen).</summary>
    public Tensor ClassLogJoint(Tensor x)
    {
        using var scope = NewDisposeScope();
        var columns = new List<Tensor>();
        for (int c = 0; c < mixtures.Length; c++)
            columns.Add(mixtures[c] == null ? full(x.shape[0], double.NegativeInfinity, dtype: ScalarType.Float64) : mixtures[c]!.LogDensity(x) + logPriors[c]);
        return stack(columns, 1).MoveToOuterDisposeScope();
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
