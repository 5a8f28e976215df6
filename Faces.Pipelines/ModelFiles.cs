using System.Reflection;
using Microsoft.ML;

namespace Faces.Pipelines;

/// <summary>Saving and loading ML.NET model .zip files without losing what the user had.</summary>
public static class ModelFiles
{
    /// <summary>Saves to a temporary name next to <paramref name="path"/>, then renames: an existing model is never half-overwritten.</summary>
    public static void Save(MLContext ml, ITransformer model, DataViewSchema inputSchema, string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            ml.Model.Save(model, inputSchema, temporary);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Loads a model .zip; a file that is not one, or needs an assembly that is missing, is a clear error.</summary>
    public static ITransformer Load(MLContext ml, string path, out DataViewSchema inputSchema)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        try
        {
            return ml.Model.Load(path, out inputSchema);
        }
        catch (TargetInvocationException e) when (e.InnerException is FileNotFoundException missing)
        {
            throw new InvalidDataException($"{path} needs assembly {missing.FileName}, which is not available: {missing.Message}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or System.IO.InvalidDataException or IOException
                                      or ArgumentException)
        {
            throw new InvalidDataException($"{path} is not a readable ML.NET model: {e.Message}", e);
        }
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
