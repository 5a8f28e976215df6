using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Faces.Cli.Serving;
using Faces.Tests.Detection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using OpenCvSharp;

namespace Faces.Tests.Serving;

/// <summary>
/// <c>/api/live</c> in-process: a frame's answer is the photo API's, stale frames are dropped (never queued), a bad
/// frame is answered with its error and the stream goes on, and what is not a stream is refused.
/// </summary>
public sealed class LiveTests : IClassFixture<ServeTests.Models>
{
    private readonly ServeTests.Models models;

    public LiveTests(ServeTests.Models models) => this.models = models;

    private static async Task<WebApplication> Start(ServeOptions options)
    {
        var app = FacesServer.Build(options, builder => builder.WebHost.UseTestServer());
        await app.StartAsync();
        return app;
    }

    private static async Task<WebSocket> Connect(WebApplication app, string? origin = null)
    {
        var client = app.GetTestServer().CreateWebSocketClient();
        if (origin != null) client.ConfigureRequest = request => request.Headers.Origin = origin;
        return await client.ConnectAsync(new Uri("ws://localhost/api/live"), CancellationToken.None);
    }

    private static async Task<JsonElement?> Receive(WebSocket socket)
    {
        var buffer = new byte[1 << 20];
        int length = 0;
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
            length += result.Count;
        } while (!result.EndOfMessage);
        return result.MessageType == WebSocketMessageType.Close ? null : JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, length)).RootElement;
    }

    private static byte[] Frame()
    {
        using var photo = Cv2.ImRead(FaceDetectorTests.Astronaut, ImreadModes.Color);
        using var resized = photo.Resize(new Size(640, 480));
        Cv2.ImEncode(".jpg", resized, out var bytes);
        return bytes;
    }

    [Fact]
    public async Task A_frame_is_answered_with_the_faces_the_photo_api_finds()
    {
        await using var app = await Start(new ServeOptions { ModelPath = models.Second, Watch = false });
        var frame = Frame();
        var raw = new ByteArrayContent(frame);
        raw.Headers.ContentType = new("image/jpeg");
        var photo = JsonDocument.Parse(await (await app.GetTestClient().PostAsync("/api/predict", raw)).Content.ReadAsStringAsync()).RootElement;

        using var socket = await Connect(app);
        await socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);
        var answer = (await Receive(socket))!.Value;
        Assert.Equal(1, answer.GetProperty("frame").GetInt64());
        Assert.Equal(640, answer.GetProperty("width").GetInt32());
        Assert.Equal(JsonSerializer.Serialize(photo.GetProperty("faces")), JsonSerializer.Serialize(answer.GetProperty("faces")));
        Assert.Single(answer.GetProperty("faces").EnumerateArray());
        Assert.Equal(0, answer.GetProperty("dropped").GetInt64());
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task Frames_that_arrive_while_one_is_worked_on_replace_each_other_and_the_newest_is_answered()
    {
        await using var app = await Start(new ServeOptions { ModelPath = models.Second, Watch = false });
        var frame = Frame();
        using var socket = await Connect(app);
        const int sent = 12;
        for (int i = 0; i < sent; i++) await socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);
        var answered = new List<JsonElement>();
        while (answered.Count == 0 || answered[^1].GetProperty("frame").GetInt64() < sent) answered.Add((await Receive(socket))!.Value);

        var numbers = answered.Select(a => a.GetProperty("frame").GetInt64()).ToList();
        Assert.Equal(numbers.OrderBy(n => n).Distinct(), numbers); // in order, none twice
        Assert.True(numbers.Count < sent, $"all {sent} frames were answered: the server queued them");
        // Every frame was either answered or dropped, and the server says how many it dropped.
        Assert.Equal(sent - numbers.Count, answered[^1].GetProperty("dropped").GetInt64());
        string scrape = await app.GetTestClient().GetStringAsync("/metrics");
        Assert.Contains($"faces_live_frames_total{{result=\"answered\"}} {numbers.Count}", scrape);
        Assert.Contains($"faces_live_frames_total{{result=\"dropped\"}} {sent - numbers.Count}", scrape);
        Assert.Contains("faces_live_viewers 1", scrape);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }

    [Fact]
    public async Task A_bad_frame_is_answered_with_its_error_and_the_stream_goes_on()
    {
        await using var app = await Start(new ServeOptions { ModelPath = models.Second, Watch = false });
        using var socket = await Connect(app);
        await socket.SendAsync(new byte[] { 1, 2, 3, 4 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        var error = (await Receive(socket))!.Value;
        Assert.Equal(1, error.GetProperty("frame").GetInt64());
        Assert.Contains("not a", error.GetProperty("error").GetString()!, StringComparison.OrdinalIgnoreCase);

        await socket.SendAsync(Frame(), WebSocketMessageType.Binary, true, CancellationToken.None);
        var answer = (await Receive(socket))!.Value;
        Assert.Equal(2, answer.GetProperty("frame").GetInt64());
        Assert.Single(answer.GetProperty("faces").EnumerateArray());
    }

    [Fact]
    public async Task A_text_message_an_oversized_frame_or_silence_closes_the_stream_with_the_reason()
    {
        await using var app = await Start(new ServeOptions { ModelPath = models.Second, Watch = false, MaxUploadMegabytes = 1, LiveIdleSeconds = 1 });
        using (var socket = await Connect(app))
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Null(await Receive(socket));
            Assert.Equal(WebSocketCloseStatus.InvalidMessageType, socket.CloseStatus);
        }
        using (var socket = await Connect(app))
        {
            var big = new byte[1024 * 1024 + 1];
            await socket.SendAsync(big, WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.Null(await Receive(socket));
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        }
        using (var socket = await Connect(app))
        {
            Assert.Null(await Receive(socket)); // sends nothing for longer than LiveIdleSeconds
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
            Assert.Contains("No frame for 1 s", socket.CloseStatusDescription);
        }
    }

    [Fact]
    public void Live_limits_below_one_are_refused_naming_the_setting()
    {
        var viewers = Assert.Throws<ArgumentException>(() => new ServeOptions { ModelPath = models.Second, MaxLiveViewers = 0 }.Validate());
        Assert.Contains("MaxLiveViewers", viewers.Message);
        var idle = Assert.Throws<ArgumentException>(() => new ServeOptions { ModelPath = models.Second, LiveIdleSeconds = 0 }.Validate());
        Assert.Contains("LiveIdleSeconds", idle.Message);
        var command = FacesCli.Run(null, "serve", "--model", models.Second, "--max-live-viewers", "0");
        Assert.Equal(2, command.ExitCode);
        Assert.Contains("--max-live-viewers", command.Error);
    }

    [Fact]
    public async Task Another_sites_page_a_plain_request_and_viewers_beyond_the_limit_are_refused()
    {
        await using var app = await Start(new ServeOptions { ModelPath = models.Second, Watch = false, MaxLiveViewers = 1 });
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Connect(app, origin: "http://evil.example"));
        Assert.Contains("403", refused.Message);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.GetTestClient().GetAsync("/api/live")).StatusCode);

        using var first = await Connect(app, origin: "http://localhost");
        var busy = await Assert.ThrowsAnyAsync<Exception>(() => Connect(app));
        Assert.Contains("503", busy.Message);
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
    }
}
