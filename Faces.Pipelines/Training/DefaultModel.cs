using System.Security.Cryptography;
using Faces.Torch.IO;

namespace Faces.Pipelines.Training;

/// <summary>
/// The model Faces ships: the real-face network trained on FER2013 (its provenance inside says how; docs/real-faces.md shows
/// its metrics and the command that re-trains it). <c>faces predict</c>, <c>faces serve</c> and
/// <see cref="Recognition.ExpressionRecognizer"/> use it when no model is named. It is embedded in this assembly and
/// written once per content to the temporary folder, since ML.NET loads models from files.
/// </summary>
public static class DefaultModel
{
    private const string Resource = "Faces.Pipelines.Models.default-expressions.zip";
    private static readonly Lazy<string> Extracted = new(Extract, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What the default model is called where a model's file name is shown.</summary>
    public const string Name = "faces-default (real-face network, FER2013)";

    /// <summary>A file holding the default model (written on first use; checked like any model when loaded).</summary>
    public static string Path => Extracted.Value;

    private static string Extract()
    {
        using var stream = typeof(DefaultModel).Assembly.GetManifestResourceStream(Resource)
                           ?? throw new InvalidOperationException($"The embedded default model {Resource} is missing from this build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var bytes = copy.ToArray();
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"faces-default-{hash}.zip");
        // Another process may have written it, or a stranger may have left a file of that name: trust it only if equal.
        if (!File.Exists(path) || !SHA256.HashData(File.ReadAllBytes(path)).AsSpan(0, 8).SequenceEqual(Convert.FromHexString(hash)))
            AtomicFile.Write(path, (Stream file) => file.Write(bytes));
        return path;
    }
}
