using Faces.Cli.Commands;
using SkiaSharp;

namespace Faces.Tests.Pipelines;

/// <summary>The `faces` executable end to end: train → evaluate → predict, the README's demo (quick form), and bad input.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private string PathOf(string name) => Path.Combine(folder, name);

    /// <summary>A FER2013-style CSV: "happy" rows bright at the bottom, "surprise" rows bright at the top, plus noise.</summary>
    private string WriteFer(int rows)
    {
        var random = new Random(3);
        var lines = new List<string> { "emotion,pixels,Usage" };
        for (int n = 0; n < rows; n++)
        {
            int emotion = n % 2 == 0 ? 3 : 5;
            var pixels = Enumerable.Range(0, 2304).Select(i => (i / 48 >= 24) == (emotion == 3) ? 200 + random.Next(40) : random.Next(60));
            string usage = n % 10 == 8 ? "PublicTest" : n % 10 == 9 ? "PrivateTest" : "Training";
            lines.Add($"{emotion},{string.Join(' ', pixels)},{usage}");
        }
        string path = PathOf("fer.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    private string WritePng(string name, bool brightBottom, int size, bool colour)
    {
        using var bitmap = new SKBitmap(size, size, colour ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(20, 20, 20));
            using var paint = new SKPaint { Color = colour ? new SKColor(255, 230, 200) : SKColors.White };
            canvas.DrawRect(0, brightBottom ? size / 2f : 0, size, size / 2f, paint);
        }
        string path = PathOf(name);
        using var file = File.Create(path);
        bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
        return path;
    }

    [Fact]
    public void Wall_times_read_in_hours_minutes_and_seconds()
    {
        Assert.Equal("1 h 39 min 26 s", TrainCommand.WallTime(new TimeSpan(1, 39, 26)));
        Assert.Equal("26 h 0 min 5 s", TrainCommand.WallTime(new TimeSpan(1, 2, 0, 5)));
        Assert.Equal("4 min 5 s", TrainCommand.WallTime(TimeSpan.FromSeconds(245.9)));
        Assert.Equal("12.3 s", TrainCommand.WallTime(TimeSpan.FromSeconds(12.34)));
    }

    [Fact]
    public void Train_evaluate_and_predict_through_the_real_executable()
    {
        string data = WriteFer(80);
        string model = PathOf("mlp.zip");
        string report = PathOf("report");
        string trained = FacesCli.Succeed("train", "--model", "mlp", "--data", data, "--epochs", "20", "--learning-rate", "0.1",
            "--normalize", "Standardize", "--out", model, "--report", report);
        Assert.Contains("Saved", trained);
        Assert.True(File.Exists(model));
        Assert.True(File.Exists(Path.Combine(report, "report.md")));
        Assert.True(File.Exists(Path.Combine(report, "curve-mlp.png")));
        Assert.True(File.Exists(Path.Combine(report, "confusion-mlp-test.png")));

        string evaluated = FacesCli.Succeed("evaluate", "--model", model, "--data", data, "--split", "test");
        Assert.Contains("test", evaluated);
        Assert.Contains("1.000", evaluated); // a separable problem: perfect test accuracy

        string happy = WritePng("happy.png", brightBottom: true, size: 96, colour: true);
        string surprise = WritePng("surprise.png", brightBottom: false, size: 30, colour: false);
        // These drawn squares hold no face: --no-detect takes each image as one face crop.
        var lines = FacesCli.Succeed("predict", "--model", model, "--no-detect", happy, surprise).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("file\tface\tbox\texpression\tprobability\t", lines[0]);
        Assert.Equal("happy", lines[1].Split('\t')[3]);
        Assert.Equal("surprise", lines[2].Split('\t')[3]);
        Assert.Contains("anger=", lines[1]);
        // Without --no-detect they say there is no face instead of guessing.
        var detected = FacesCli.Succeed("predict", "--model", model, happy).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{happy}\t0\t-\tno face found\t-\t-", detected[1]);

        // A bad file gets its reason on its own line; the others are still predicted; the exit code says something failed.
        string broken = PathOf("broken.png");
        File.WriteAllText(broken, "not an image");
        var mixed = FacesCli.Run(null, "predict", "--model", model, "--no-detect", happy, broken, surprise);
        Assert.Equal(2, mixed.ExitCode);
        var mixedLines = mixed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, mixedLines.Length);
        Assert.Equal("happy", mixedLines[1].Split('\t')[3]);
        Assert.StartsWith($"{broken}\t-\t-\terror\t", mixedLines[2]);
        Assert.Contains("not a readable image", mixedLines[2]);
        Assert.Equal("surprise", mixedLines[3].Split('\t')[3]);
        Assert.Single(mixed.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var json = System.Text.Json.JsonDocument.Parse(FacesCli.Succeed("predict", "--model", model, "--no-detect", "--json", happy)).RootElement;
        var face = json[0].GetProperty("faces")[0];
        Assert.Equal("happy", face.GetProperty("expression").GetString());
        Assert.Equal(face.GetProperty("probability").GetDouble(), face.GetProperty("probabilities").GetProperty("happy").GetDouble());
    }

    [Fact]
    public void The_model_records_where_it_came_from_and_evaluate_says_what_the_numbers_mean()
    {
        string data = WriteFer(40);
        string model = PathOf("mog.zip");
        string trained = FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--data", data, "--seed", "3", "--out", model);
        // Training is in low-memory mode unless told otherwise.
        Assert.StartsWith("Low-memory mode: blocks of 1 MiB or more in mappings of their own", trained);
        Assert.DoesNotContain("Low-memory", FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--data", data, "--out", PathOf("plain.zip"), "--low-memory", "false"));
        // The whole command's wall time closes its output.
        Assert.Matches(@"\nWall time: [0-9]+\.[0-9] s \(loading, training, evaluating, saving\)\.\n$", trained);

        // Trained on train and valid together: evaluate says the valid rows were trained on, as it does not for the first model.
        string refitModel = PathOf("refit.zip");
        string refit = FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--data", data, "--out", refitModel, "--train-on-valid");
        var rows = System.Text.RegularExpressions.Regex.Match(refit, @"train (\d+) / valid (\d+) / test");
        Assert.Contains($"Training on train and valid together: {int.Parse(rows.Groups[1].Value) + int.Parse(rows.Groups[2].Value)} rows; valid is no longer held out.", refit);
        Assert.Contains("note: the valid rows are the rows the model was trained on", FacesCli.Succeed("evaluate", "--model", refitModel, "--data", data, "--split", "valid"));
        Assert.DoesNotContain("rows the model was trained on", FacesCli.Succeed("evaluate", "--model", model, "--data", data, "--split", "valid"));
        Assert.Contains("; the validation rows are trained on too; rows train " + rows.Groups[1].Value, FacesCli.Succeed("info", "--model", refitModel));

        // Read back in a fresh process.
        string info = FacesCli.Succeed("info", "--model", model);
        Assert.Contains($"Data        {data}", info);
        Assert.Contains("Seeds       split 1, training 3", info);
        Assert.Contains("Metrics     test: micro acc 1.000", info);
        Assert.Contains("\"Components\": 1", info);

        string same = FacesCli.Succeed("evaluate", "--model", model, "--data", data, "--split", "train");
        Assert.Contains("Same data and split as the model's training", same);
        Assert.Contains("note: the train rows are the rows the model was trained on", same);
        string test = FacesCli.Succeed("evaluate", "--model", model, "--data", data, "--split", "test");
        Assert.DoesNotContain("rows the model was trained on", test);

        string other = FacesCli.Succeed("evaluate", "--model", model, "--data", WriteFer(30), "--split", "test");
        Assert.Contains("note: this data is not the model's training data", other);

        var noData = FacesCli.Run(folder, "evaluate", "--model", model);
        Assert.Equal(2, noData.ExitCode);
        Assert.Contains("--data", noData.Error);
    }

    [Fact]
    public void The_readme_demo_runs_in_its_quick_form()
    {
        var result = FacesCli.Run(folder, "demo", "--quick");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        string output = Path.Combine(folder, "faces-out");
        foreach (var file in new[] { "mog.zip", "mlp.zip", "cnn.zip", "report.md", "report.html", "examples.png", "curve-cnn.png", "curve-mog.png", "confusion-cnn-test.png",
                     "saliency-cnn.png", "saliency-mlp.png" })
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing");
        Assert.False(File.Exists(Path.Combine(output, "saliency-mog.png")), "a mixture model has no saliency maps");
        foreach (var model in new[] { "MoG", "MLP", "CNN" }) Assert.Contains(model, result.Output);
        string html = File.ReadAllText(Path.Combine(output, "report.html"));
        Assert.Contains("<img src=\"confusion-mlp-test.png\"", html);

        // The saved demo models are usable by the other commands.
        string evaluated = FacesCli.Succeed("evaluate", "--model", Path.Combine(output, "cnn.zip"), "--data", "synthetic", "--split", "valid");
        Assert.Contains("valid", evaluated);
    }

    [Fact]
    public void Bad_input_is_one_line_a_non_zero_exit_and_no_partial_model()
    {
        string model = PathOf("never.zip");
        var missing = FacesCli.Run(folder, "train", "--model", "mlp", "--data", PathOf("absent.npz"), "--out", model);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("absent.npz", missing.Error);
        Assert.Single(missing.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        string badCsv = PathOf("bad.csv");
        File.WriteAllLines(badCsv, new[] { "emotion,pixels,Usage", "3,1 2 3,Training" });
        var malformed = FacesCli.Run(folder, "train", "--model", "mog", "--data", badCsv, "--out", model);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("bad.csv line 2", malformed.Error);
        Assert.False(File.Exists(model));
        Assert.Empty(Directory.GetFiles(folder, "never.zip*"));

        string notModel = PathOf("not-a-model.zip");
        File.WriteAllText(notModel, "plain text");
        var wrongModel = FacesCli.Run(folder, "evaluate", "--model", notModel, "--data", "synthetic");
        Assert.Equal(2, wrongModel.ExitCode);
        Assert.Contains("not-a-model.zip", wrongModel.Error);

        string text = PathOf("face.png");
        File.WriteAllText(text, "this is not an image");
        string trained = PathOf("mog.zip");
        FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--data", WriteFer(20), "--out", trained);
        var notImage = FacesCli.Run(folder, "predict", "--model", trained, text);
        Assert.Equal(2, notImage.ExitCode);
        Assert.Contains("face.png", notImage.Error);
        Assert.Contains("not a readable image", notImage.Error);

        var filters = FacesCli.Run(folder, "train", "--model", "cnn", "--filters", "8", "--out", model);
        Assert.Equal(2, filters.ExitCode);
        Assert.Contains("--filters takes two numbers", filters.Error);

        var help = FacesCli.Run(folder, "train", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--learning-rate", help.Output);
    }
}
