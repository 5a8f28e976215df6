using System.Reflection;
using Faces.Pipelines.Data;
using Faces.Torch.IO;
using Microsoft.ML;

namespace Faces.Pipelines.Training;

/// <summary>Saving and loading ML.NET model .zip files without losing what the user had.</summary>
public static class ModelFiles
{
    /// <summary>
    /// Saves to a temporary name next to <paramref name="path"/>, then renames: an existing model is never
    /// half-overwritten. Two runs saving to one path at once both succeed; the file is the last one renamed.
    /// </summary>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path, ModelProvenance? provenance = null) =>
        AtomicFile.Write(path, (string temporary) =>
        {
            ml.Model.Save(model, inputSchema, temporary);
            provenance?.AddTo(temporary);
            ModelManifest.Add(temporary);
        });

    /// <summary>
    /// Loads a model .zip; every entry's CRC-32 and SHA-256 (<see cref="ModelManifest"/>) is checked first, and a file that is not a model,
    /// a damaged one, or one that needs a missing assembly is an error naming the file and the real cause.
    /// </summary>
    public static ITransformer Load(MLContext ml, string path, out DataViewSchema inputSchema)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        ModelManifest.Verify(path);
        try
        {
            return ml.Model.Load(path, out inputSchema);
        }
        catch (Exception e) when (Innermost(e) is FileNotFoundException missing)
        {
            throw new InvalidDataException($"{path} needs assembly {missing.FileName}, which is not available: {missing.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException
                                      or ArgumentException or TargetInvocationException)
        {
            throw new InvalidDataException($"{path} is not a readable Faces model: {Innermost(e).Message}", e);
        }
    }

    /// <summary>The deepest cause: ML.NET wraps a loader's own message in "Error during class instantiation" and reflection's wrapper.</summary>
    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }

    /// <summary>
    /// Loads a Faces classifier: a model .zip whose input has a Features vector and whose output has a Score vector.
    /// Anything else (another kind of file, another kind of ML.NET model) is a clear error naming the file.
    /// </summary>
    public static ITransformer LoadClassifier(MLContext ml, string path, out DataViewSchema inputSchema)
    {
        var model = Load(ml, path, out inputSchema);
        if (inputSchema.GetColumnOrNull("Features")?.Type is not Microsoft.ML.Data.VectorDataViewType { IsKnownSize: true })
            throw new InvalidDataException($"{path} is not a Faces model: its input has no fixed-size Features vector.");
        DataViewSchema output;
        try
        {
            output = model.GetOutputSchema(inputSchema);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a Faces model: {e.Message}", e);
        }
        if (output.GetColumnOrNull("Score")?.Type is not Microsoft.ML.Data.VectorDataViewType)
            throw new InvalidDataException($"{path} is not a Faces classifier: it has no Score vector output.");
        return model;
    }
}
