using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Faces.Pipelines.Detection;

/// <summary>
/// How a face transform saves its detector in the model .zip, the one binary form both face transforms write:
/// double scale factor; int min neighbours, min size, max size; double margin; bool custom cascade, then its XML as a
/// length-prefixed string.
/// </summary>
internal static class DetectorSettingsFormat
{
    public static void Write(ModelSaveContext ctx, FaceDetectorOptions options, string? cascadeXml)
    {
        ctx.Writer.Write(options.ScaleFactor);
        ctx.Writer.Write(options.MinNeighbors);
        ctx.Writer.Write(options.MinSize);
        ctx.Writer.Write(options.MaxSize);
        ctx.Writer.Write(options.Margin);
        ctx.Writer.Write(cascadeXml != null);
        if (cascadeXml != null) ctx.Writer.Write(cascadeXml);
    }

    public static (FaceDetectorOptions Options, string? CascadeXml) Read(ModelLoadContext ctx)
    {
        var options = new FaceDetectorOptions
        {
            ScaleFactor = ctx.Reader.ReadDouble(), MinNeighbors = ctx.Reader.ReadInt32(), MinSize = ctx.Reader.ReadInt32(),
            MaxSize = ctx.Reader.ReadInt32(), Margin = ctx.Reader.ReadDouble(),
        };
        return (options, ctx.Reader.ReadBoolean() ? ctx.Reader.ReadString() : null);
    }

    /// <summary>The detector of saved or given settings; a bad cascade is the host's error.</summary>
    public static FaceDetector Detector(IHost host, FaceDetectorOptions options, string? cascadeXml)
    {
        try
        {
            return cascadeXml != null ? FaceDetector.FromCascadeXml(options, cascadeXml) : new FaceDetector(options with { CascadeFile = null });
        }
        catch (ArgumentException e)
        {
            throw host.Except(e, e.Message);
        }
    }
}
