using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using Faces.Cli.Serving;
using Faces.Tests.Detection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using OpenCvSharp;

namespace Faces.Tests.Serving;

/// <summary><c>faces serve</c>'s API in-process (TestServer) and on a real Kestrel: answers, errors, concurrency, reload.</summary>
public sealed class ServeTests : IClassFixture<ServeTests.Models>
{
    /// <summary>Two small models trained once for the class: a MoG and a second with other settings (for the reload).</summary>
    public sealed class Models : IDisposable
    {
        public string Folder { get; } = Directory.CreateTempSubdirectory("faces-serve-").FullName;
        public string First { get; }
        public string Second { get; }

        public Models()
        {
            var random = new Random(3);
            var lines = new List<string> { "emotion,pixels,Usage" };
            for (int n = 0; n < 40; n++)
            {
                int emotion = n % 2 == 0 ? 3 : 5;
                lines.Add($"{emotion},{string.Join(' ', Enumerable.Range(0, 2304).Select(i => (i / 48 >= 24) == (emotion == 3) ? 150 + random.Next(100) : random.Next(120)))}," +
                          $"{(n % 10 == 8 ? "PublicTest" : n % 10 == 9 ? "PrivateTest" : "Training")}");
            }
            string data = Path.Combine(Folder, "fer.csv");
            File.WriteAllLines(data, lines);
            First = Path.Combine(Folder, "first.zip");
            Second = Path.Combine(Folder, "second.zip");
            FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--iterations", "2", "--data", data, "--out", First);
            FacesCli.Succeed("train", "--model", "mlp", "--epochs", "3", "--hidden", "8", "--data", data, "--out", Second);
        }

        public void Dispose() => Directory.Delete(Folder, true);
    }

    private readonly Models models;

    public ServeTests(Models models) => this.models = models;

    private static async Task<(WebApplication App, HttpClient Client)> Start(ServeOptions options)
    {
        var app = FacesServer.Build(options, builder => builder.WebHost.UseTestServer());
        await app.StartAsync();
        return (app, app.GetTestClient());
    }

    private static MultipartFormDataContent Form(byte[] bytes, string name = "photo.png")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", name);
        return form;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task Predict_and_serve_write_a_face_in_the_one_json_form()
    {
        var (app, client) = await Start(new ServeOptions { ModelPath = models.First, Watch = false });
        await using var _ = app;
        var answer = await Json(await client.PostAsync("/api/predict", Form(File.ReadAllBytes(FaceDetectorTests.Astronaut))));
        var served = Assert.Single(answer.GetProperty("faces").EnumerateArray());
        var printed = Assert.Single(JsonDocument.Parse(FacesCli.Succeed("predict", "--json", "--model", models.First, FaceDetectorTests.Astronaut))
            .RootElement[0].GetProperty("faces").EnumerateArray());

        Assert.Equal(new[] { "box", "expression", "probability", "probabilities" }, served.EnumerateObject().Select(p => p.Name));
        Assert.Equal(new[] { "x", "y", "width", "height", "score" }, served.GetProperty("box").EnumerateObject().Select(p => p.Name));
        Assert.Equal(answer.GetProperty("classes").EnumerateArray().Select(c => c.GetString()), served.GetProperty("probabilities").EnumerateObject().Select(p => p.Name));
        // The same face, the same bytes: one record type and one serializer's names on both sides.
        Assert.Equal(JsonSerializer.Serialize(printed), JsonSerializer.Serialize(served));
    }

    [Fact]
    public async Task A_photo_gives_every_face_with_the_probabilities_of_the_model()
    {
        string model = Path.Combine(models.Folder, "a.zip");
        File.Copy(models.First, model, overwrite: true);
        var (app, client) = await Start(new ServeOptions { ModelPath = model, Watch = false });
        await using var _ = app;

        var response = await client.PostAsync("/api/predict", Form(File.ReadAllBytes(FaceDetectorTests.Astronaut)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await Json(response);
        Assert.Equal(7, body.GetProperty("classes").GetArrayLength());
        var face = Assert.Single(body.GetProperty("faces").EnumerateArray());
        var box = face.GetProperty("box");

        // The same answer as the library's recogniser on the same file.
        using var recognizer = new ExpressionRecognizer(new Microsoft.ML.MLContext(1), model);
        var expected = Assert.Single(recognizer.Recognize(FaceDetectorTests.Astronaut));
        Assert.Equal((expected.Box.X, expected.Box.Y, expected.Box.Width), (box.GetProperty("x").GetInt32(), box.GetProperty("y").GetInt32(), box.GetProperty("width").GetInt32()));
        Assert.Equal(expected.Expression, face.GetProperty("expression").GetString());
        foreach (var (name, p) in expected.Probabilities)
            Assert.Equal(p, face.GetProperty("probabilities").GetProperty(name).GetSingle(), 5);
        // Where the time went: the parts add up to the total (scoring is what is left after the others).
        var timing = body.GetProperty("timing");
        var parts = new[] { "readMs", "queuedMs", "decodeMs", "detectMs", "scoreMs" }.Select(n => timing.GetProperty(n).GetDouble()).ToArray();
        Assert.All(parts, p => Assert.True(p >= 0, $"a negative part: {timing}"));
        Assert.True(timing.GetProperty("decodeMs").GetDouble() > 0 && timing.GetProperty("detectMs").GetDouble() > 0, $"{timing}");
        Assert.Equal(timing.GetProperty("totalMs").GetDouble(), parts.Sum(), 6);

        // Raw body and single-face mode.
        var raw = new ByteArrayContent(File.ReadAllBytes(FaceDetectorTests.Astronaut));
        raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var whole = await Json(await client.PostAsync("/api/predict?detect=false", raw));
        var wholeBox = Assert.Single(whole.GetProperty("faces").EnumerateArray()).GetProperty("box");
        Assert.Equal((0, 0, 512, 512), (wholeBox.GetProperty("x").GetInt32(), wholeBox.GetProperty("y").GetInt32(), wholeBox.GetProperty("width").GetInt32(), wholeBox.GetProperty("height").GetInt32()));

        var info = await Json(await client.GetAsync("/api/model"));
        Assert.Equal("Mog", info.GetProperty("kind").GetString());
        Assert.Equal(48, info.GetProperty("inputSize").GetInt32());
        Assert.Equal(1.0, info.GetProperty("metrics").GetProperty("test").GetProperty("microAccuracy").GetDouble());
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        Assert.Contains("<canvas id=\"canvas\">", await client.GetStringAsync("/"));
    }

    [Fact]
    public async Task Bad_uploads_get_their_4xx_and_the_server_keeps_serving()
    {
        var (app, client) = await Start(new ServeOptions { ModelPath = models.First, Watch = false, MaxUploadMegabytes = 1 });
        await using var _ = app;
        var png = File.ReadAllBytes(FaceDetectorTests.Astronaut);

        var text = new StringContent("hello", System.Text.Encoding.UTF8, "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await client.PostAsync("/api/predict", text)).StatusCode);
        var notImage = await client.PostAsync("/api/predict", Form(System.Text.Encoding.UTF8.GetBytes("not an image at all")));
        Assert.Equal(HttpStatusCode.BadRequest, notImage.StatusCode);
        Assert.Equal("application/problem+json", notImage.Content.Headers.ContentType!.MediaType);
        Assert.Contains("not a readable image", (await Json(notImage)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/predict", Form(png[..(png.Length / 2)]))).StatusCode);
        var huge = await client.PostAsync("/api/predict", Form(HugePng()));
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("pixels", (await Json(huge)).GetProperty("detail").GetString());
        var tooLarge = new byte[2 * 1024 * 1024];
        png.CopyTo(tooLarge, 0);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.PostAsync("/api/predict", Form(tooLarge))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/predict", new MultipartFormDataContent { { new StringContent("x"), "note" } })).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/predict", Form(png))).StatusCode);
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    /// <summary>A 100-byte PNG claiming 100000x100000 pixels.</summary>
    private static byte[] HugePng()
    {
        using var small = new Mat(8, 8, MatType.CV_8UC1, new Scalar(1));
        Cv2.ImEncode(".png", small, out var bytes);
        // IHDR's width and height sit at bytes 16..23.
        foreach (int at in new[] { 16, 20 }) { bytes[at] = 0; bytes[at + 1] = 1; bytes[at + 2] = 0x86; bytes[at + 3] = 0xA0; }
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(12, 17));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(29), crc);
        return bytes;
    }

    [Fact]
    public async Task Parallel_requests_each_get_the_sequential_answer()
    {
        var (app, client) = await Start(new ServeOptions { ModelPath = models.Second, Watch = false });
        await using var _ = app;
        var (picture, _) = FaceDetectorTests.ThreeFaces();
        byte[] three;
        using (picture) Cv2.ImEncode(".png", picture, out three);
        var photos = new[] { File.ReadAllBytes(FaceDetectorTests.Astronaut), three };
        var sequential = new List<string>();
        foreach (var photo in photos) sequential.Add(Faces(await Json(await client.PostAsync("/api/predict", Form(photo)))));
        Assert.Contains("happy", sequential[0] + sequential[1]);

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var response = await client.PostAsync("/api/predict", Form(photos[i % 2]));
            return (i, Faces(await Json(response)));
        }));
        foreach (var (i, faces) in answers) Assert.Equal(sequential[i % 2], faces);
    }

    private static string Faces(JsonElement body)
    {
        var faces = body.GetProperty("faces");
        return string.Join("|", faces.EnumerateArray().Select(f => f.GetProperty("box").GetRawText() + f.GetProperty("probabilities").GetRawText()));
    }

    /// <summary>The value of one sample line of Prometheus' text format, or null when the scrape has no such line.</summary>
    private static double? Sample(string scrape, string series) =>
        scrape.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => (double?)double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)).SingleOrDefault();

    [Fact]
    public async Task Explain_adds_each_faces_map_and_a_model_without_gradients_refuses_it()
    {
        var (app, client) = await Start(new ServeOptions { ModelPath = models.Second, Watch = false });
        await using var _ = app;
        Assert.True((await Json(await client.GetAsync("/api/model"))).GetProperty("canExplain").GetBoolean());
        var photo = File.ReadAllBytes(FaceDetectorTests.Astronaut);
        var plain = Assert.Single((await Json(await client.PostAsync("/api/predict", Form(photo)))).GetProperty("faces").EnumerateArray());
        Assert.False(plain.TryGetProperty("saliency", out var _), "a map nobody asked for");
        var explained = Assert.Single((await Json(await client.PostAsync("/api/predict?explain=true", Form(photo)))).GetProperty("faces").EnumerateArray());
        Assert.Equal(plain.GetProperty("box").GetRawText(), explained.GetProperty("box").GetRawText());
        var map = explained.GetProperty("saliency").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(2304, map.Length);
        Assert.Equal(1, map.Sum(), 3);
        var bad = await client.PostAsync("/api/predict?explain=maybe", Form(photo));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("explain takes true or false", (await Json(bad)).GetProperty("detail").GetString());

        var (mogApp, mogClient) = await Start(new ServeOptions { ModelPath = models.First, Watch = false });
        await using var __ = mogApp;
        Assert.False((await Json(await mogClient.GetAsync("/api/model"))).GetProperty("canExplain").GetBoolean());
        var refused = await mogClient.PostAsync("/api/predict?explain=true", Form(photo));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("mixture of Gaussians", (await Json(refused)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Metrics_count_requests_by_status_time_each_stage_count_faces_and_reloads()
    {
        string model = Path.Combine(models.Folder, "metrics.zip");
        File.Copy(models.First, model, overwrite: true);
        var (app, client) = await Start(new ServeOptions { ModelPath = model, Watch = false });
        await using var _ = app;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/predict", Form(File.ReadAllBytes(FaceDetectorTests.Astronaut)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/predict", Form(File.ReadAllBytes(FaceDetectorTests.Astronaut)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/predict", Form(new byte[] { 1, 2, 3 }))).StatusCode);
        var watcher = app.Services.GetRequiredService<ModelWatcher>();
        Assert.True(watcher.Reload());
        File.WriteAllText(model, "not a model");
        Assert.False(watcher.Reload());

        var response = await client.GetAsync("/metrics");
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        string scrape = await response.Content.ReadAsStringAsync();
        Assert.Equal(2, Sample(scrape, "faces_requests_total{status=\"200\"}"));
        Assert.Equal(1, Sample(scrape, "faces_requests_total{status=\"400\"}"));
        foreach (var stage in new[] { "decode", "detect", "score" })
        {
            Assert.Equal(2, Sample(scrape, $"faces_stage_seconds_count{{stage=\"{stage}\"}}"));
            Assert.True(Sample(scrape, $"faces_stage_seconds_sum{{stage=\"{stage}\"}}") > 0, stage);
        }
        Assert.Equal(2, Sample(scrape, "faces_request_seconds_count"));
        Assert.Equal(2, Sample(scrape, "faces_faces_per_request_sum")); // one face in each photo
        Assert.Equal(0, Sample(scrape, "faces_faces_per_request_bucket{le=\"0\"}"));
        Assert.Equal(1, Sample(scrape, "faces_model_reloads_total{result=\"served\"}"));
        Assert.Equal(1, Sample(scrape, "faces_model_reloads_total{result=\"failed\"}"));
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task A_changed_model_file_is_reloaded_whole()
    {
        string model = Path.Combine(models.Folder, "watched.zip");
        File.Copy(models.First, model, overwrite: true);
        var (app, client) = await Start(new ServeOptions { ModelPath = model });
        await using var _ = app;
        Assert.Equal("Mog", (await Json(await client.GetAsync("/api/model"))).GetProperty("kind").GetString());
        var png = File.ReadAllBytes(FaceDetectorTests.Astronaut);

        // Requests keep coming while the file is replaced (temp then rename, as faces train saves).
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            int ok = 0;
            while (!stop.IsCancellationRequested)
            {
                // Raw bodies: this test is about the swap (multipart parsing is covered above).
                var raw = new ByteArrayContent(png);
                raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                var response = await client.PostAsync("/api/predict?detect=false", raw);
                Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
                ok++;
            }
            return ok;
        });
        string temporary = model + ".tmp";
        File.Copy(models.Second, temporary, overwrite: true);
        File.Move(temporary, model, overwrite: true);
        string kind = "Mog";
        for (int wait = 0; wait < 100 && kind == "Mog"; wait++)
        {
            await Task.Delay(100);
            kind = (await Json(await client.GetAsync("/api/model"))).GetProperty("kind").GetString()!;
        }
        stop.Cancel();
        Assert.True(await traffic > 0);
        Assert.Equal("Mlp", kind);
    }

    [Fact]
    public async Task A_real_Kestrel_on_loopback_answers()
    {
        var app = FacesServer.Build(new ServeOptions { ModelPath = models.First, Urls = "http://127.0.0.1:0", Watch = false });
        await app.StartAsync();
        await using var _ = app;
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        Assert.Equal("ok", await client.GetStringAsync("/healthz"));
        var response = await client.PostAsync("/api/predict", Form(File.ReadAllBytes(FaceDetectorTests.Astronaut)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single((await Json(response)).GetProperty("faces").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/predict", Form(new byte[] { 1, 2, 3 }))).StatusCode);
    }
}
