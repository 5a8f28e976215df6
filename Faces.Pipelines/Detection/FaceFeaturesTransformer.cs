using Faces.Pipelines.Detection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

[assembly: LoadableClass(typeof(FaceFeaturesTransformer), null, typeof(SignatureLoadModel),
    "Faces face features", FaceFeaturesTransformer.LoaderSignature)]

namespace Faces.Pipelines.Detection;

/// <summary>
/// An image path column in, the largest face's pixels out — as <c>faces predict</c>, <c>faces serve</c> and
/// <c>faces train --detect-faces</c> read them: the file decoded upright to grayscale, the face found, its box (with
/// the detector's margin) resized by area interpolation to <see cref="Side"/>×<see cref="Side"/> and scaled to
/// [0, 1] (<see cref="FaceDetector.FacePixels"/>). A Features vector a Faces trainer takes directly, so an ML.NET
/// pipeline trains on the pixels prediction will see. <c>{output}Found</c> says whether a face was found; when none
/// is, the whole image is taken. Saved in the model .zip with the detector's settings.
/// </summary>
public sealed class FaceFeaturesTransformer : FaceTransformerBase
{
    internal const string LoaderSignature = "FacesFaceFeatures";

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESFFT",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(FaceFeaturesTransformer).Assembly.FullName);

    /// <summary>The side of the square output, in pixels.</summary>
    public int Side { get; }

    internal FaceFeaturesTransformer(IHostEnvironment env, string outputColumnName, string inputColumnName, int side, FaceDetectorOptions options)
        : this(env.Register(nameof(FaceFeaturesTransformer)), outputColumnName, inputColumnName, side, options, CascadeOf(options))
    {
    }

    private FaceFeaturesTransformer(IHost host, string outputColumnName, string inputColumnName, int side, FaceDetectorOptions options, string? cascadeXml)
        : base(host, outputColumnName, inputColumnName, options, cascadeXml)
    {
        if (side < 1 || side > 4096) throw host.Except($"The face side must be 1 to 4096 pixels; got {side}.");
        Side = side;
    }

    internal static FaceFeaturesTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        var host = env.Register(nameof(FaceFeaturesTransformer));
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        // *** Binary format (0x00010001) ***
        // string ids: output and input column; int side; the detector (DetectorSettingsFormat).
        string output = ctx.LoadNonEmptyString(), input = ctx.LoadNonEmptyString();
        int side = ctx.Reader.ReadInt32();
        var (options, xml) = DetectorSettingsFormat.Read(ctx);
        return new FaceFeaturesTransformer(host, output, input, side, options, xml);
    }

    public override void SaveModel(ModelSaveContext ctx)
    {
        Host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(OutputColumnName);
        ctx.SaveNonEmptyString(InputColumnName);
        ctx.Writer.Write(Side);
        DetectorSettingsFormat.Write(ctx, Options, CascadeXml);
    }

    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>The pixels of the largest face in the image file at <paramref name="path"/> (the whole image when there is none), and whether one was found.</summary>
    internal (float[] Pixels, bool Found) Read(string path)
    {
        using var gray = FaceDetector.ReadGray(path);
        var faces = Detector.Detect(gray);
        var box = faces.Count > 0 ? faces[0] : new FaceBox(0, 0, gray.Width, gray.Height, 0);
        return (FaceDetector.FacePixels(gray, box, Side, Side), faces.Count > 0);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly FaceFeaturesTransformer parent;
        private readonly int inputIndex;

        public Mapper(FaceFeaturesTransformer parent, DataViewSchema schema)
            : base(parent.Host.Register(nameof(Mapper)), schema, parent)
        {
            this.parent = parent;
            var column = schema.GetColumnOrNull(parent.InputColumnName)
                ?? throw parent.Host.ExceptSchemaMismatch(nameof(schema), "image path", parent.InputColumnName);
            if (column.Type is not TextDataViewType)
                throw parent.Host.Except($"Column '{parent.InputColumnName}' must hold image file paths (text); it is {column.Type}.");
            inputIndex = column.Index;
        }

        public override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => new[]
        {
            new DataViewSchema.DetachedColumn(parent.OutputColumnName, new VectorDataViewType(NumberDataViewType.Single, parent.Side * parent.Side)),
            new DataViewSchema.DetachedColumn(parent.FoundColumnName, BooleanDataViewType.Instance),
        };

        public override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput) =>
            column => column == inputIndex && (activeOutput(0) || activeOutput(1));

        public override void SaveModel(ModelSaveContext ctx) => parent.SaveModel(ctx);

        public override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var getPath = input.GetGetter<ReadOnlyMemory<char>>(input.Schema[inputIndex]);
            // Both outputs come from one read per row; these belong to this cursor's getters (ML.NET's parallel cursors each have their own).
            long cachedPosition = -1;
            ReadOnlyMemory<char> path = default;
            (float[] Pixels, bool Found) face = default;
            void Compute()
            {
                if (cachedPosition == input.Position) return;
                getPath(ref path);
                try
                {
                    face = parent.Read(path.ToString());
                }
                catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
                {
                    throw parent.Host.Except(e, $"Row {input.Position}: {e.Message}");
                }
                cachedPosition = input.Position;
            }
            if (iinfo == 0)
            {
                ValueGetter<VBuffer<float>> getPixels = (ref VBuffer<float> value) =>
                {
                    Compute();
                    var editor = VBufferEditor.Create(ref value, face.Pixels!.Length);
                    face.Pixels.CopyTo(editor.Values);
                    value = editor.Commit();
                };
                return getPixels;
            }
            ValueGetter<bool> getFound = (ref bool value) =>
            {
                Compute();
                value = face.Found;
            };
            return getFound;
        }
    }
}
