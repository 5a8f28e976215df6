using System.IO.Compression;
using System.Security.Cryptography;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using Faces.Pipelines.Onnx;
using Faces.Pipelines.Training;
using Faces.Tests.Detection;
using Microsoft.ML;

namespace Faces.Tests.Onnx;

/// <summary><c>faces export</c>: the shipped model in ONNX Runtime alone, and the inputs it must refuse in one line.</summary>
public sealed class OnnxCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-onnx-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private string PathOf(string name) => Path.Combine(folder, name);

    [Fact]
    public void The_exported_shipped_model_reads_the_astronaut_as_Faces_does()
    {
        string onnx = PathOf("default.onnx");
        string output = FacesCli.Succeed("export", "--onnx", onnx);
        Assert.Contains("the same predicted classes", output);
        var bytes = File.ReadAllBytes(onnx);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(bytes))}  default.onnx\n", File.ReadAllText(onnx + ".sha256"));

        using var recognizer = new ExpressionRecognizer(new MLContext(1));
        using var detector = new FaceDetector();
        using var gray = FaceDetector.ReadGray(FaceDetectorTests.Astronaut);
        var box = detector.Detect(gray)[0];
        var expected = recognizer.Recognize(gray, new[] { box })[0];

        var (scores, labels) = OnnxRunner.Score(bytes, new[] { FaceDetector.FacePixels(gray, box, recognizer.Side, recognizer.Side) });
        Assert.Equal("happy", expected.Expression);
        Assert.Equal(expected.Expression, labels[0]);
        for (int c = 0; c < recognizer.ClassNames.Count; c++)
            Assert.Equal(expected.Probabilities[recognizer.ClassNames[c]], scores[0][c], 1e-5f);
    }

    [Fact]
    public void A_damaged_model_an_unexportable_step_and_an_unwritable_path_are_one_line_errors()
    {
        string onnx = PathOf("out.onnx");

        // One byte flipped in the middle of the shipped model.
        string damaged = PathOf("damaged.zip");
        var bytes = File.ReadAllBytes(DefaultModel.Path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(damaged, bytes);
        AssertOneLineError(FacesCli.Run(folder, "export", "--model", damaged, "--onnx", onnx), "damaged.zip");

        // A pipeline that loads images: ML.NET has no ONNX form for that step, and the error names it.
        string images = PathOf("images.zip");
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = "a.png" } });
        ml.Model.Save(ml.Transforms.LoadImages("Image", folder, "ImagePath").Fit(data), data.Schema, images);
        AssertOneLineError(FacesCli.Run(folder, "export", "--model", images, "--onnx", onnx), "images.zip", "ImageLoadingTransformer");

        // A folder that cannot be created: a file stands where it would be.
        File.WriteAllText(PathOf("file"), "");
        AssertOneLineError(FacesCli.Run(folder, "export", "--onnx", Path.Combine(PathOf("file"), "x.onnx")), "Cannot write", "file/x.onnx");

        Assert.False(File.Exists(onnx));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.tmp-*"));
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
    }

    private static void AssertOneLineError(FacesCli.Result result, params string[] mentions)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}{result.Output}");
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{lines.Length} lines on stderr: {result.Error}");
        Assert.StartsWith("faces: error: ", lines[0]);
        foreach (var text in mentions) Assert.True(lines[0].Contains(text, StringComparison.Ordinal), $"'{text}' not in: {lines[0]}");
    }
}
