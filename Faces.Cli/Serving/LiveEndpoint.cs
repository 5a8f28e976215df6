using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Faces.Pipelines.Detection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Faces.Cli.Serving;

/// <summary>
/// <c>/api/live</c>: a camera stream over a WebSocket. The client sends frames as binary messages (JPEG, PNG or any
/// format a photo may have); the server answers each frame it processes with one text message —
/// <c>{"frame": n, "width", "height", "faces": [FaceRecord…], "dropped", "timing": {…}}</c>, n counting the client's
/// frames from 1 — or <c>{"frame": n, "error": "…"}</c> for a frame it cannot read. A frame that arrives while an
/// older one waits replaces it (a queue of one, the oldest dropped): the answer is always about the newest frame, and
/// a slow server never builds a backlog. Frames share the cores with photo requests.
/// </summary>
internal sealed class LiveEndpoint(ServeOptions options, ModelWatcher models, FaceDetector detector, SemaphoreSlim cpu, ServeMetrics metrics, ILogger log)
{
    /// <summary>camelCase, compact: one message per frame.</summary>
    private static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web);

    private int viewers;

    private sealed record Frame(long Number, byte[] Bytes);

    public async Task Handle(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Results.Problem(statusCode: 400, title: "Not a WebSocket request", detail: "Open /api/live as a WebSocket and send camera frames as binary messages.").ExecuteAsync(context);
            return;
        }
        // Browsers let any page open a WebSocket to any server and name the page in Origin: only this server's own page may.
        if (!FacesServer.FromThisSite(context.Request))
        {
            log.LogWarning("GET /api/live refused (request {Id}): cross-site Origin", context.TraceIdentifier);
            await Results.Problem(statusCode: 403, title: "Cross-site request refused", detail: "Only pages this server serves may open its live stream.").ExecuteAsync(context);
            return;
        }
        if (Interlocked.Increment(ref viewers) > options.MaxLiveViewers)
        {
            Interlocked.Decrement(ref viewers);
            context.Response.Headers.RetryAfter = ServeDefaults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Results.Problem(statusCode: 503, title: "Busy", detail: $"{options.MaxLiveViewers} live viewers are connected; try again shortly.").ExecuteAsync(context);
            return;
        }
        metrics.LiveViewers(1);
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            using var session = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            long dropped = 0;
            var frames = Channel.CreateBounded<Frame>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = true },
                _ =>
                {
                    Interlocked.Increment(ref dropped);
                    metrics.LiveFrame("dropped");
                });
            var answering = Answer(socket, frames.Reader, () => Interlocked.Read(ref dropped), session.Token);
            var closing = await Receive(socket, frames.Writer, session.Token);
            frames.Writer.TryComplete();
            await session.CancelAsync(); // the client is gone or broke the rules: nobody waits for the frame in hand
            await answering;
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                await socket.CloseOutputAsync(closing.Status, closing.Reason, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The connection broke: nothing to answer.
        }
        finally
        {
            Interlocked.Decrement(ref viewers);
            metrics.LiveViewers(-1);
        }
    }

    /// <summary>Reads frames until the client closes, goes quiet past the idle limit or sends what is not a frame; says how to close.</summary>
    private async Task<(WebSocketCloseStatus Status, string Reason)> Receive(WebSocket socket, ChannelWriter<Frame> frames, CancellationToken token)
    {
        int limit = options.MaxUploadMegabytes * 1024 * 1024;
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long number = 0;
        try
        {
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        if (length >= limit) return (WebSocketCloseStatus.MessageTooBig, $"A frame is limited to {options.MaxUploadMegabytes} MB.");
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(limit, 2 * length));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                    using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
                    idle.CancelAfter(TimeSpan.FromSeconds(options.LiveIdleSeconds));
                    try
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(length, Math.Min(buffer.Length, limit) - length), idle.Token);
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        return (WebSocketCloseStatus.PolicyViolation, $"No frame for {options.LiveIdleSeconds} s.");
                    }
                    length += result.Count;
                    if (result.MessageType == WebSocketMessageType.Close) return (WebSocketCloseStatus.NormalClosure, "");
                    if (length >= limit && !result.EndOfMessage) return (WebSocketCloseStatus.MessageTooBig, $"A frame is limited to {options.MaxUploadMegabytes} MB.");
                } while (!result.EndOfMessage);
                if (result.MessageType != WebSocketMessageType.Binary)
                    return (WebSocketCloseStatus.InvalidMessageType, "Send camera frames as binary messages (an encoded image each).");
                frames.TryWrite(new Frame(++number, buffer.AsSpan(0, length).ToArray()));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Takes the newest frame when a core is free, answers it, and so on until the stream ends.</summary>
    private async Task Answer(WebSocket socket, ChannelReader<Frame> frames, Func<long> dropped, CancellationToken token)
    {
        try
        {
            await foreach (var frame in frames.ReadAllAsync(token))
            {
                var clock = Stopwatch.StartNew();
                object answer;
                await cpu.WaitAsync(token);
                var model = models.Current;
                var work = new PhotoWork(options, model, detector);
                using var budget = CancellationTokenSource.CreateLinkedTokenSource(token);
                budget.CancelAfter(TimeSpan.FromSeconds(options.WorkSeconds));
                try
                {
                    var photo = work.Run(frame.Bytes, detect: true, explain: false, budget.Token);
                    double totalMs = clock.Elapsed.TotalMilliseconds;
                    metrics.Processed(photo.DecodeMs, photo.DetectMs, photo.ScoreMs, totalMs, photo.Faces.Count);
                    metrics.LiveFrame("answered");
                    answer = new
                    {
                        frame = frame.Number,
                        width = photo.Image.SourceWidth,
                        height = photo.Image.SourceHeight,
                        faces = photo.Records,
                        dropped = dropped(),
                        timing = new { decodeMs = photo.DecodeMs, detectMs = photo.DetectMs, scoreMs = photo.ScoreMs, totalMs },
                    };
                }
                catch (InvalidDataException e)
                {
                    metrics.LiveFrame("unreadable");
                    answer = new { frame = frame.Number, error = e.Message };
                }
                catch (OperationCanceledException) when (!token.IsCancellationRequested)
                {
                    metrics.LiveFrame("unreadable");
                    answer = new { frame = frame.Number, error = $"The frame was not processed within {options.WorkSeconds} s." };
                }
                finally
                {
                    cpu.Release();
                }
                var bytes = JsonSerializer.SerializeToUtf8Bytes(answer, Wire);
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ChannelClosedException)
        {
            // The stream ended.
        }
    }
}
