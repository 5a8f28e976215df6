using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Faces.Tests.Concurrency;
using SkiaSharp;

namespace Faces.Tests.Packages;

/// <summary>
/// Faces as a user gets it: packed into a local feed, consumed by the samples copied outside the repository (restored
/// only from that feed and the machine's package cache, built with warnings as errors), and the faces .NET tool
/// installed from the feed. Any missing file — the native-fix targets, a dependency, the notices — turns this red.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class PackageConsumerTests : IDisposable
{
    private const string Version = "0.1.0-local";
    private readonly string work = Directory.CreateTempSubdirectory("faces-packages-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(work, true);
        }
        catch (IOException)
        {
            // A process that has not quite let go; the temp folder is the system's to clean.
        }
    }

    private static string RepositoryRoot => FacesCli.RepositoryRoot;

    private sealed record Result(int ExitCode, string Output, string Error);

    private static Result Run(string file, string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8))) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error.Result);
    }

    private static string Succeed(string file, string workingDirectory, params string[] arguments)
    {
        var result = Run(file, workingDirectory, arguments);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}\n{result.Error}");
        return result.Output;
    }

    /// <summary>The repository's sources without build outputs: packing there leaves the working tree's obj folders alone.</summary>
    private string CopySources()
    {
        string copy = Path.Combine(work, "src");
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(RepositoryRoot, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Any(p => p is "bin" or "obj" or ".git" or "TestResults" or "faces-out")) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
            File.Copy(file, Path.Combine(copy, relative));
        }
        return copy;
    }

    private static string[] Entries(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        return zip.Entries.Select(e => e.FullName).ToArray();
    }

    [Fact]
    public async Task Packages_and_the_tool_work_for_a_consumer_outside_the_repository()
    {
        string source = CopySources();
        string feed = Path.Combine(work, "feed");
        // The libraries and the tool, each by a plain pack.
        foreach (var project in new[] { "Faces.Torch", "Faces.MLNet", "Faces.Pipelines", "Faces.Cli" })
            Succeed("dotnet", source, "pack", project, "-c", "Release", "-o", feed, $"-p:Version={Version}");

        // What the packages must carry.
        var torch = Entries(Path.Combine(feed, $"Faces.Torch.{Version}.nupkg"));
        Assert.Contains("buildTransitive/Faces.Torch.targets", torch);
        Assert.Contains("buildTransitive/ElfVersionNeedPatcher.cs", torch);
        Assert.Contains("README.md", torch);
        Assert.Contains("THIRD-PARTY-NOTICES.md", Entries(Path.Combine(feed, $"Faces.Tool.{Version}.nupkg")));
        // The library package holds no application: no command line, server or reports in its assembly's public types.
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"Faces.Pipelines.{Version}.nupkg")))
        {
            string nuspec = new StreamReader(zip.GetEntry("Faces.Pipelines.nuspec")!.Open()).ReadToEnd();
            Assert.DoesNotContain("System.CommandLine", nuspec);
            Assert.DoesNotContain("Spectre.Console", nuspec);
            Assert.DoesNotContain("packageType", nuspec);
        }
        using (var zip = ZipFile.OpenRead(Path.Combine(feed, $"Faces.MLNet.{Version}.nupkg")))
        {
            string nuspec = new StreamReader(zip.GetEntry("Faces.MLNet.nuspec")!.Open()).ReadToEnd();
            Assert.Contains("id=\"Faces.Torch\"", nuspec);
            Assert.Contains("id=\"Microsoft.ML\"", nuspec);
            Assert.DoesNotContain("TorchSharp-cpu", nuspec); // the application chooses libtorch
            Assert.Contains("<license type=\"expression\">MIT</license>", nuspec);
        }

        // The samples, copied outside the repository, restore from the feed (and the machine's package cache).
        string consumer = Path.Combine(work, "consumer");
        Directory.CreateDirectory(consumer);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(source, "samples"), "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(consumer, Path.GetRelativePath(Path.Combine(source, "samples"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(consumer, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(work, "packages")}" /></config>
              <packageSources><add key="faces-local" value="{feed}" /></packageSources>
              <fallbackPackageFolders><add key="cache" value="{cache}" /></fallbackPackageFolders>
            </configuration>
            """);
        Succeed("dotnet", consumer, "build", "FacesConsole", "-c", "Release", "-warnaserror", $"-p:FacesVersion={Version}");

        // Train on an image folder, save; load and predict in a second process: the same answer.
        string images = Path.Combine(work, "images");
        var random = new Random(2);
        foreach (var label in new[] { "happy", "surprise" })
        {
            Directory.CreateDirectory(Path.Combine(images, label));
            for (int n = 0; n < 20; n++)
            {
                using var bitmap = new SKBitmap(48, 48, SKColorType.Gray8, SKAlphaType.Opaque);
                for (int y = 0; y < 48; y++)
                for (int x = 0; x < 48; x++)
                {
                    byte v = (byte)((y >= 24) == (label == "happy") ? 200 + random.Next(40) : random.Next(60));
                    bitmap.SetPixel(x, y, new SKColor(v, v, v));
                }
                using var file = File.Create(Path.Combine(images, label, $"{n:D2}.png"));
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            }
        }
        string app = Path.Combine(consumer, "FacesConsole", "bin", "Release", "net10.0", "FacesConsole.dll");
        string model = Path.Combine(work, "cnn.zip");
        var trained = Succeed("dotnet", work, app, "train", images, model).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("test accuracy 1.000", trained[0]);
        string firstTest = trained[1].Split('\t')[0];
        Assert.Equal(trained[1], Succeed("dotnet", work, app, "predict", model, firstTest).Trim());

        // The tool: installed from the feed, same errors and exit codes as dotnet run.
        string tools = Path.Combine(work, "tools");
        Succeed("dotnet", consumer, "tool", "install", "--tool-path", tools, "--add-source", feed, "Faces.Tool", "--version", Version);
        string faces = Path.Combine(tools, "faces");
        Assert.Contains("libtorch", Succeed(faces, work, "info"));
        var bad = Run(faces, work, "train", "--model", "mlp", "--threads", "100000");
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith("faces: error: --threads 100000", bad.Error);
        string demo = Path.Combine(work, "demo");
        Succeed(faces, work, "demo", "--quick", "--out", demo);
        Assert.True(File.Exists(Path.Combine(demo, "mlp.zip")));

        // The tool exports the demo's MLP to ONNX; the ONNX sample (ONNX Runtime alone) scores a face as `faces score` does.
        string onnx = Path.Combine(work, "mlp.onnx");
        Assert.Contains("the same predicted classes", Succeed(faces, work, "export", "--model", Path.Combine(demo, "mlp.zip"), "--onnx", onnx));
        Succeed("dotnet", consumer, "build", "OnnxScoring", "-c", "Release", "-warnaserror");
        var facePixels = Enumerable.Range(0, 2304).Select(i => (byte)(i % 48 * 5 + i / 48)).ToArray();
        string pgm = Path.Combine(work, "face.pgm");
        File.WriteAllBytes(pgm, Encoding.ASCII.GetBytes("P5\n48 48\n255\n").Concat(facePixels).ToArray());
        string faceCsv = Path.Combine(work, "face.csv");
        File.WriteAllText(faceCsv, string.Join(",", facePixels.Select(b => (b / 255f).ToString("R", CultureInfo.InvariantCulture))) + "\n");
        var facesScores = Succeed(faces, work, "score", "--model", Path.Combine(demo, "mlp.zip"), "--csv", faceCsv).Trim().Split(',')
            .Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var sampleLines = Succeed("dotnet", work, Path.Combine(consumer, "OnnxScoring", "bin", "Release", "net10.0", "OnnxScoring.dll"), onnx, pgm)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var sampleScores = sampleLines[..^1].Select(l => float.Parse(l.Split('\t')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(facesScores.Length, sampleScores.Length);
        for (int c = 0; c < facesScores.Length; c++) Assert.Equal(facesScores[c], sampleScores[c], 1e-5f);
        Assert.StartsWith("predicted\t", sampleLines[^1]);

        // The web sample, published, serves the demo's MLP: its answer is the tool's.
        string web = Path.Combine(work, "web");
        Succeed("dotnet", consumer, "publish", "FacesWebApi", "-c", "Release", "-o", web, "-warnaserror", $"-p:FacesVersion={Version}");
        var row = Enumerable.Range(0, 2304).Select(i => (float)((i % 48) / 48.0)).ToArray();
        string csv = Path.Combine(work, "row.csv");
        File.WriteAllText(csv, string.Join(",", row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n");
        var expected = Succeed(faces, work, "score", "--model", Path.Combine(demo, "mlp.zip"), "--csv", csv).Trim().Split(',')
            .Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        int port = 20000 + Environment.ProcessId % 20000;
        var server = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(web, "FacesWebApi.dll"), "--model", Path.Combine(demo, "mlp.zip"), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = web,
        })!;
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(60) && !server.HasExited)
                {
                    await Task.Delay(300);
                }
            }
            var response = await http.PostAsJsonAsync("/predict", new { features = row });
            string body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            var json = JsonDocument.Parse(body).RootElement;
            var scores = json.GetProperty("scores").EnumerateObject().Select(p => p.Value.GetSingle()).ToArray();
            Assert.Equal(expected, scores);
            var rejected = await http.PostAsJsonAsync("/predict", new { features = new float[3] });
            Assert.Equal(400, (int)rejected.StatusCode);
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            server.WaitForExit();
        }
    }
}
