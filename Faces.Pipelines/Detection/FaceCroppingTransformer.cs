using Faces.Pipelines.Detection;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Microsoft.ML.Runtime;
using OpenCvSharp;

[assembly: LoadableClass(typeof(FaceCroppingTransformer), null, typeof(SignatureLoadModel),
    "Faces face cropping", FaceCroppingTransformer.LoaderSignature)]

namespace Faces.Pipelines.Detection;

/// <summary>
/// An image column in (what ML.NET's LoadImages gives), the largest face of each image out, cropped with the
/// detector's margin, plus a Boolean column saying whether a face was found. When none is, the whole image passes
/// through and the flag is false, so a pipeline never stops on one photo: filter on the flag, or treat its score as
/// about the whole picture. Saved in the model .zip (the detector's settings; a custom cascade's XML too).
/// </summary>
public sealed class FaceCroppingTransformer : FaceTransformerBase
{
    internal const string LoaderSignature = "FacesFaceCropping";

    private static VersionInfo GetVersionInfo() => new(
        modelSignature: "FACESCRP",
        verWrittenCur: 0x00010001,
        verReadableCur: 0x00010001,
        verWeCanReadBack: 0x00010001,
        loaderSignature: LoaderSignature,
        loaderAssemblyName: typeof(FaceCroppingTransformer).Assembly.FullName);

    internal FaceCroppingTransformer(IHostEnvironment env, string outputColumnName, string inputColumnName, FaceDetectorOptions options)
        : this(env.Register(nameof(FaceCroppingTransformer)), outputColumnName, inputColumnName, options, CascadeOf(options))
    {
    }

    private FaceCroppingTransformer(IHost host, string outputColumnName, string inputColumnName, FaceDetectorOptions options, string? cascadeXml)
        : base(host, outputColumnName, inputColumnName, options, cascadeXml)
    {
    }

    internal static FaceCroppingTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        Contracts.CheckValue(env, nameof(env));
        var host = env.Register(nameof(FaceCroppingTransformer));
        host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel(GetVersionInfo());
        // *** Binary format (0x00010001) ***
        // string ids: output and input column; the detector (DetectorSettingsFormat).
        string output = ctx.LoadNonEmptyString(), input = ctx.LoadNonEmptyString();
        var (options, xml) = DetectorSettingsFormat.Read(ctx);
        return new FaceCroppingTransformer(host, output, input, options, xml);
    }

    public override void SaveModel(ModelSaveContext ctx)
    {
        Host.CheckValue(ctx, nameof(ctx));
        ctx.CheckAtModel();
        ctx.SetVersionInfo(GetVersionInfo());
        ctx.SaveNonEmptyString(OutputColumnName);
        ctx.SaveNonEmptyString(InputColumnName);
        DetectorSettingsFormat.Write(ctx, Options, CascadeXml);
    }

    public override IRowMapper MakeRowMapper(DataViewSchema schema) => new Mapper(this, schema);

    /// <summary>The largest face of <paramref name="image"/> as a new image, or null when there is none.</summary>
    internal MLImage? Crop(MLImage image)
    {
        var type = image.PixelFormat == MLPixelFormat.Rgba32 ? ColorConversionCodes.RGBA2GRAY : ColorConversionCodes.BGRA2GRAY;
        byte[] pixels = image.Pixels.ToArray();
        using var colour = Mat.FromPixelData(image.Height, image.Width, MatType.CV_8UC4, pixels);
        using var gray = colour.CvtColor(type);
        var faces = Detector.Detect(gray);
        if (faces.Count == 0) return null;
        var box = faces[0];
        var cropped = new byte[box.Width * box.Height * 4];
        for (int y = 0; y < box.Height; y++)
            Array.Copy(pixels, ((box.Y + y) * image.Width + box.X) * 4, cropped, y * box.Width * 4, box.Width * 4);
        return MLImage.CreateFromPixels(box.Width, box.Height, image.PixelFormat, cropped);
    }

    private sealed class Mapper : MapperBase
    {
        private readonly FaceCroppingTransformer parent;
        private readonly int inputIndex;

        public Mapper(FaceCroppingTransformer parent, DataViewSchema schema)
            : base(parent.Host.Register(nameof(Mapper)), schema, parent)
        {
            this.parent = parent;
            var column = schema.GetColumnOrNull(parent.InputColumnName)
                ?? throw parent.Host.ExceptSchemaMismatch(nameof(schema), "image", parent.InputColumnName);
            if (column.Type is not ImageDataViewType)
                throw parent.Host.Except($"Column '{parent.InputColumnName}' must be an image (LoadImages' output); it is {column.Type}.");
            inputIndex = column.Index;
        }

        public override DataViewSchema.DetachedColumn[] GetOutputColumnsCore() => new[]
        {
            new DataViewSchema.DetachedColumn(parent.OutputColumnName, new ImageDataViewType()),
            new DataViewSchema.DetachedColumn(parent.FoundColumnName, BooleanDataViewType.Instance),
        };

        public override Func<int, bool> GetDependenciesCore(Func<int, bool> activeOutput) =>
            column => column == inputIndex && (activeOutput(0) || activeOutput(1));

        public override void SaveModel(ModelSaveContext ctx) => parent.SaveModel(ctx);

        public override Delegate MakeGetter(DataViewRow input, int iinfo, Func<int, bool> activeOutput, out Action? disposer)
        {
            disposer = null;
            var getImage = input.GetGetter<MLImage>(input.Schema[inputIndex]);
            // Both outputs come from one detection per row; these belong to this cursor's getters.
            long cachedPosition = -1;
            MLImage? source = null, face = null;
            void Compute()
            {
                if (cachedPosition == input.Position) return;
                getImage(ref source!);
                face = source == null ? null : parent.Crop(source);
                cachedPosition = input.Position;
            }
            if (iinfo == 0)
            {
                ValueGetter<MLImage> getFace = (ref MLImage value) =>
                {
                    Compute();
                    value = face ?? source!;
                };
                return getFace;
            }
            ValueGetter<bool> getFound = (ref bool value) =>
            {
                Compute();
                value = face != null;
            };
            return getFound;
        }
    }
}
