using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(GaussianMixtureTransformer), null, typeof(SignatureLoadModel),
    "Faces Gaussian mixture density", GaussianMixtureTransformer.LoaderSignature)]

namespace Faces.MLNet.Mixtures;

/// <summary>
/// A fitted Gaussian mixture as a row-to-row transformer: adds the responsibilities (vector of Single, length K) and
/// log p(x) (Double) of each row's feature vector. Saved inside ML.NET's model .zip.
/// </summary>
public sealed class GaussianMixtureTransformer : RowToRowTransformerBase, IDisposable
{
    internal const string LoaderSignature = "FacesGaussianMixture";

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESGMM",
        verWrittenCur: 0x00010002, // the mixture inside a SHA-256-checked block
        verReadableCur: 0x00010002,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(GaussianMixtureTransformer).Assembly.FullName);

    /// <summary>The fitted mixture: weights, means, variances, log-likelihood per EM iteration.</summary>
    public GaussianMixture Mixture { get; }
    /// <summary>The input vector column.</summary>
    public string FeatureColumnName { get; }
    /// <summary>The responsibilities output column.</summary>
    public string ResponsibilitiesColumnName { get; }
    /// <summary>The log-likelihood output column.</summary>
    public string LogLikelihoodColumnName { get; }

    internal GaussianMixtureTransformer(IHost host, GaussianMixture mixture, string featureColumn, string responsibilitiesColumn, string logLikelihoodColumn)
        : base(host)
    {
        Mixture = mixture;
        FeatureColumnName = featureColumn;
        ResponsibilitiesColumnName = responsibilitiesColumn;
        LogLikelihoodColumnName = logLikelihoodColumn;
    }

    internal static GaussianMixtureTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        var host = env.Register(nameof(GaussianMixtureTransformer));
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        // *** Binary format ***
        // 0x00010002: a ChecksummedBlock (int32 length, SHA-256, payload) holding the feature, responsibilities and
        //             log-likelihood column names (BinaryWriter strings), then GaussianMixture.WriteTo's record.
        // 0x00010001: the three names as string ids, then GaussianMixture.WriteTo's record.
        string feature, responsibilities, logLikelihood;
        GaussianMixture mixture;
        try
        {
            if (ctx.Header.ModelVerWritten >= 0x00010002)
            {
                var reader = new BinaryReader(new MemoryStream(Internals.ChecksummedBlock.Read(ctx.Reader, "The Gaussian mixture")));
                (feature, responsibilities, logLikelihood) = (reader.ReadString(), reader.ReadString(), reader.ReadString());
                mixture = GaussianMixture.ReadFrom(reader);
            }
            else
            {
                (feature, responsibilities, logLikelihood) = (ctx.LoadNonEmptyString(), ctx.LoadNonEmptyString(), ctx.LoadNonEmptyString());
                mixture = GaussianMixture.ReadFrom(ctx.Reader);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw host.ExceptDecode(e, e.Message);
        }
        return new GaussianMixtureTransformer(host, mixture, feature, responsibilities, logLikelihood);
    }

    /// <inheritdoc />
    public override void SaveModel(ModelSaveContext ctx)
    {
        Host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        Internals.ChecksummedBlock.Write(ctx.Writer, writer =>
        {
            writer.Write(FeatureColumnName);
            writer.Write(ResponsibilitiesColumnName);
            writer.Write(LogLikelihoodColumnName);
            Mixture.WriteTo(writer);
        });
    }

    /// <inheritdoc />
    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>Releases the mixture's tensors.</summary>
    public void Dispose() => Mixture.Dispose();

    private sealed class Mapper : MapperBase
    {
        private readonly GaussianMixtureTransformer parent;
        private readonly int featureIndex;

        public Mapper(GaussianMixtureTransformer parent, DataViewSchema schema)
            : base(parent.Host.Register(nameof(Mapper)), schema, parent)
        {
            this.parent = parent;
            var column = schema.GetColumnOrNull(parent.FeatureColumnName)
                ?? throw parent.Host.ExceptSchemaMismatch(nameof(schema), "features", parent.FeatureColumnName);
            int size = Internals.FeatureRows.VectorSize(parent.Host, column);
            if (size != parent.Mixture.Dimension)
                throw parent.Host.Except($"Column '{parent.FeatureColumnName}' has {size} values per row; this mixture was fitted on {parent.Mixture.Dimension}.");
            featureIndex = column.Index;
        }

        public override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => new[]
        {
            new DataViewSchema.DetachedColumn(parent.ResponsibilitiesColumnName, new VectorDataViewType(NumberDataViewType.Single, parent.Mixture.Components)),
            new DataViewSchema.DetachedColumn(parent.LogLikelihoodColumnName, NumberDataViewType.Double),
        };

        public override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput) =>
            column => column == featureIndex && (activeOutput(0) || activeOutput(1));

        public override void SaveModel(ModelSaveContext ctx) => parent.SaveModel(ctx);

        public override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var getFeatures = input.GetGetter<VBuffer<float>>(input.Schema[featureIndex]);
            var density = parent.Mixture.Density;
            // Both outputs come from one E-step; compute it once per row, whichever column asks first. These buffers
            // belong to this getter, and ML.NET gives every cursor (and so every thread) its own getters.
            var buffer = default(VBuffer<float>);
            long cachedPosition = -1;
            var responsibilities = new float[density.Components];
            var posterior = new double[density.Components];
            var values = new float[density.Dimension];
            var row = new double[density.Dimension];
            double logLikelihood = 0;
            void Compute()
            {
                if (cachedPosition == input.Position) return;
                getFeatures(ref buffer);
                Internals.FeatureRows.CopyFinite(Host, buffer, values, parent.FeatureColumnName, input.Position);
                for (int d = 0; d < row.Length; d++) row[d] = values[d];
                logLikelihood = density.LogDensity(row, posterior);
                if (!double.IsFinite(logLikelihood))
                    throw Host.Except($"Row {input.Position}: log p({parent.FeatureColumnName}) is {logLikelihood}; the values are far outside what the mixture was fitted on.");
                for (int k = 0; k < posterior.Length; k++) responsibilities[k] = (float)posterior[k];
                cachedPosition = input.Position;
            }

            if (iinfo == 0)
            {
                ValueGetter<VBuffer<float>> getResponsibilities = (ref VBuffer<float> value) =>
                {
                    Compute();
                    var editor = VBufferEditor.Create(ref value, responsibilities.Length);
                    responsibilities.AsSpan().CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return getResponsibilities;
            }
            ValueGetter<double> getLogLikelihood = (ref double value) =>
            {
                Compute();
                value = logLikelihood;
            };
            return getLogLikelihood;
        }
    }
}
