using System.Diagnostics;
using System.Text.RegularExpressions;
using Faces.Pipelines.Onnx;
using Faces.Pipelines.Training;
using Microsoft.ML;

namespace Faces.Tests.Onnx;

/// <summary>A test that needs Python's onnxruntime and numpy: reported as skipped, with the reason, where they are missing.</summary>
public sealed class PythonOnnxFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("python3", "-c \"import onnxruntime, numpy\"") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit(30_000);
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public PythonOnnxFactAttribute()
    {
        if (!Available.Value) Skip = "Skipped: python3 with onnxruntime and numpy is not installed here (pip install onnxruntime numpy).";
    }
}

/// <summary>The README's Python lines, run as written on the exported shipped model.</summary>
public sealed class PythonOnnxTests
{
    [PythonOnnxFact]
    public void The_README_Python_lines_score_the_exported_model()
    {
        string readme = File.ReadAllText(Path.Combine(FacesCli.RepositoryRoot, "README.md"));
        string snippet = Regex.Match(readme, "```python\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("faces.onnx", snippet);
        string folder = Directory.CreateTempSubdirectory("faces-python-").FullName;
        try
        {
            var ml = new MLContext(1);
            var model = ModelFiles.Load(ml, DefaultModel.Path, out var input);
            var bytes = OnnxExport.Export(ml, model, input);
            File.WriteAllBytes(Path.Combine(folder, "faces.onnx"), bytes);
            File.WriteAllText(Path.Combine(folder, "snippet.py"), snippet);
            var result = FacesCli.RunProcess("python3", folder, "snippet.py");
            Assert.True(result.ExitCode == 0, result.Error);
            // The snippet scores a blank face; .NET's ONNX Runtime names the same class.
            var (_, labels) = OnnxRunner.Score(bytes, new[] { new float[2304] });
            Assert.StartsWith(labels[0] + " ", result.Output);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
