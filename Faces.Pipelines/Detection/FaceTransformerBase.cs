using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Faces.Pipelines.Detection;

/// <summary>
/// What both face transforms (<see cref="FaceCroppingTransformer"/>, <see cref="FaceFeaturesTransformer"/>) are
/// made of: an input and an output column, a <c>{output}Found</c> flag, and a face detector saved in the model .zip
/// with its settings and, for a custom cascade, its XML (<see cref="DetectorSettingsFormat"/>).
/// </summary>
public abstract class FaceTransformerBase : RowToRowTransformerBase, IDisposable
{
    private protected FaceDetector Detector { get; }
    private protected string? CascadeXml { get; }

    public string InputColumnName { get; }
    public string OutputColumnName { get; }
    /// <summary>The Boolean column: whether a face was found in the row's image.</summary>
    public string FoundColumnName => OutputColumnName + "Found";
    public FaceDetectorOptions Options => Detector.Options;

    private protected FaceTransformerBase(IHost host, string outputColumnName, string inputColumnName, FaceDetectorOptions options, string? cascadeXml)
        : base(host)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        CascadeXml = cascadeXml;
        Detector = DetectorSettingsFormat.Detector(host, options, cascadeXml);
    }

    /// <summary>The custom cascade's XML to keep in the model, or null for the embedded one.</summary>
    private protected static string? CascadeOf(FaceDetectorOptions options) => options.CascadeFile != null ? File.ReadAllText(options.CascadeFile) : null;

    /// <summary>An estimator's arguments, checked before anything runs: column names given, detector settings valid.</summary>
    internal static void CheckArguments(IExceptionContext env, string outputColumnName, string inputColumnName, FaceDetectorOptions options)
    {
        if (string.IsNullOrWhiteSpace(outputColumnName) || string.IsNullOrWhiteSpace(inputColumnName)) throw env.Except("Column names must not be empty.");
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw env.Except(e, e.Message);
        }
    }

    public void Dispose() => Detector.Dispose();
}
