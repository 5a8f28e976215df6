using System.Text.Json;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using Faces.Pipelines.Training;
using Faces.Tests.Detection;
using Microsoft.ML;
using SkiaSharp;

namespace Faces.Tests.Models;

/// <summary>
/// The shipped real-face model: what a user gets without naming a model, judged on photos Faces never trained on, and
/// the command in its provenance, which must still train.
/// </summary>
public sealed class DefaultModelTests
{
    [Fact]
    public void The_shipped_model_finds_the_astronaut_happy()
    {
        using var recognizer = new ExpressionRecognizer(new MLContext(1));
        Assert.Equal(Faces.Pipelines.Data.FaceDataset.Emotions, recognizer.ClassNames);
        var face = Assert.Single(recognizer.Recognize(FaceDetectorTests.Astronaut));
        Assert.Equal("happy", face.Expression);
    }

    [Fact]
    public void Predict_without_a_model_uses_the_shipped_one()
    {
        string output = FacesCli.Succeed("predict", "--json", FaceDetectorTests.Astronaut);
        var face = Assert.Single(JsonDocument.Parse(output).RootElement[0].GetProperty("faces").EnumerateArray());
        Assert.Equal("happy", face.GetProperty("expression").GetString());
    }

    [Fact]
    public void Its_provenance_names_the_data_the_metrics_and_a_command_that_trains_it_again()
    {
        var provenance = ModelProvenance.Read(DefaultModel.Path)!;
        Assert.Equal(64, provenance.DataFingerprint.Length);
        // Trained on train and valid together, its training split is evaluated as the merged one.
        Assert.Equal(new[] { "test", provenance.TrainedOnValidation ? "train+valid" : "train", "valid" }, provenance.Metrics.Keys.Order());
        Assert.Equal(3589, provenance.SplitRows["test"]); // FER2013's PrivateTest
        Assert.Equal("expressionnet", provenance.Settings.GetProperty("Architecture").GetProperty("kind").GetString());
        Assert.StartsWith("faces train ", provenance.Command);
        Assert.Contains("--preset real", provenance.Command);

        // The command, in quick form: the same options on a small generated folder laid out like FER2013's, one epoch.
        string folder = Directory.CreateTempSubdirectory("faces-retrain-").FullName;
        try
        {
            var random = new Random(5);
            foreach (var split in new[] { "train", "validation", "test" })
            foreach (var emotion in new[] { "angry", "disgust", "fear", "happy", "neutral", "sad", "surprise" })
            for (int i = 0; i < 3; i++)
            {
                string path = Path.Combine(folder, "data", split, emotion, $"{i}.png");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var bitmap = new SKBitmap(48, 48, SKColorType.Gray8, SKAlphaType.Opaque);
                var pixels = new byte[48 * 48];
                random.NextBytes(pixels);
                System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
                using var file = File.Create(path);
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            }
            var arguments = Tokens(provenance.Command).Skip(1).ToList();
            Replace(arguments, "--data", Path.Combine(folder, "data"));
            Replace(arguments, "--out", Path.Combine(folder, "again.zip"));
            Replace(arguments, "--epochs", "1");
            FacesCli.Succeed(arguments.ToArray());
            var again = ModelProvenance.Read(Path.Combine(folder, "again.zip"))!;
            Assert.Equal(provenance.Settings.GetProperty("Architecture").GetRawText(), again.Settings.GetProperty("Architecture").GetRawText());
            Assert.Equal(provenance.TrainedOnValidation, again.TrainedOnValidation);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>A command line split as a POSIX shell splits it (single quotes only, as Faces writes them).</summary>
    private static IEnumerable<string> Tokens(string command)
    {
        var token = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in command)
        {
            if (c == '\'') { quoted = !quoted; any = true; }
            else if (c == ' ' && !quoted)
            {
                if (any || token.Length > 0) yield return token.ToString();
                token.Clear();
                any = false;
            }
            else token.Append(c);
        }
        if (any || token.Length > 0) yield return token.ToString();
    }

    private static void Replace(List<string> arguments, string option, string value)
    {
        int at = arguments.IndexOf(option);
        if (at >= 0) arguments[at + 1] = value;
        else arguments.AddRange(new[] { option, value });
    }
}
