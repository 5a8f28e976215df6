using System.CommandLine;
using Faces.Pipelines.Onnx;
using Faces.Pipelines.Training;
using Microsoft.ML.Data;

namespace Faces.Cli.Commands;

/// <summary><c>faces export</c>: a model .zip as an ONNX file that scores without Faces, TorchSharp or .NET.</summary>
internal static class ExportCommand
{
    /// <summary>Rows the written file is checked on: random pixels in [0, 1], Faces' input range, reach every weight.</summary>
    private const int CheckRows = 64;

    public static Command Create()
    {
        var command = new Command("export",
            $"Write a model as ONNX (opset {OnnxExport.OpSet}): input Features, outputs Score.output and PredictedLabel.output, class names and input shape as metadata; " +
            "then check it in ONNX Runtime against Faces' own scores.");
        var model = CommonOptions.ModelOrDefault("The model .zip to export (default: the shipped real-face model).");
        var onnx = new Option<FileInfo>("--onnx") { Description = "The .onnx file to write (its SHA-256 goes beside it, in FILE.sha256).", Required = true };
        command.Options.Add(model);
        command.Options.Add(onnx);
        command.SetAction(result =>
        {
            string modelPath = CommonOptions.ModelPath(result, model);
            string onnxPath = result.GetValue(onnx)!.FullName;
            var ml = Scratch.NewContext(1);
            // Any model loads here (not only classifiers), so that a step ONNX cannot express is named, whatever it is.
            var loaded = ModelFiles.Load(ml, modelPath, out var inputSchema);
            var provenance = ModelProvenance.Read(modelPath);
            var metadata = new Dictionary<string, string> { ["faces.source_model"] = Path.GetFileName(modelPath) };
            if (provenance != null) metadata["faces.provenance"] = provenance.ToJson();
            byte[] bytes;
            try
            {
                bytes = OnnxExport.Export(ml, loaded, inputSchema, metadata); // refuses, naming the step, what ONNX cannot express
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"{modelPath} cannot be exported: {e.Message.TrimEnd('.')}.", e);
            }
            string checksum;
            try
            {
                checksum = OnnxExport.Write(bytes, onnxPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"Cannot write {onnxPath}: {e.Message}", e);
            }
            Console.WriteLine($"{onnxPath}: {bytes.Length / 1e6:F1} MB, opset {OnnxExport.OpSet}, sha256 {checksum}");

            if (inputSchema.GetColumnOrNull("Features") == null)
            {
                Console.WriteLine("not checked in ONNX Runtime: the model's input has no Features column");
                return 0;
            }
            var random = new Random(1);
            int width = ((VectorDataViewType)inputSchema["Features"].Type).Size;
            var rows = Enumerable.Range(0, CheckRows).Select(_ => Enumerable.Range(0, width).Select(_ => (float)random.NextDouble()).ToArray()).ToArray();
            var (difference, same) = OnnxCheck.Compare(ml, loaded, inputSchema, bytes, rows);
            Console.WriteLine($"checked in ONNX Runtime on {CheckRows} rows: largest probability difference {difference:G3}, {(same ? "the same" : "DIFFERENT")} predicted classes");
            return difference <= 1e-4 && same ? 0 : 1;
        });
        return command;
    }
}
