using Faces.Pipelines.Imaging;
using System.Diagnostics;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Detection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faces.Cli.Serving;

/// <summary>
/// A saved model behind an HTTP API and a page: <c>POST /api/predict</c> (multipart field or raw image body; every
/// face with its box and expression probabilities, the classes and timings; <c>?detect=false</c> takes the whole image
/// as one face, <c>?explain=true</c> adds each face's saliency map), the live camera stream at <c>/api/live</c>
/// (<see cref="LiveEndpoint"/>), <c>GET /api/model</c>, <c>GET|HEAD /healthz</c>, and the page at <c>/</c>. Every failure is a
/// problem-details body with its status — 400, 403, 413, 415, 503, and 500 only for a fault of Faces' own — and one
/// warning line in the log (what, which stage, the request id); responses never carry paths or stack traces.
/// </summary>
/// <remarks>
/// Against hostile clients: the Host header must name an allowed host (DNS rebinding), a POST from another site's page
/// (its <c>Origin</c>) is refused, requests in flight and upload bytes held are bounded (503 with Retry-After beyond),
/// an upload that stalls is closed, photos are decoded reduced to the search size under a pixel cap of the server's own,
/// and decoding, search and scoring stop when the client hangs up or the work runs past its time.
/// </remarks>
internal static class FacesServer
{
    /// <summary>Builds the application; <paramref name="configure"/> lets tests swap the server (TestServer).</summary>
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        options.Validate();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["AllowedHosts"] = options.AllowedHosts;
        builder.WebHost.UseUrls(options.Urls);
        long limit = options.MaxUploadMegabytes * 1024L * 1024;
        builder.Services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = limit);
        builder.Services.AddProblemDetails();
        var models = new ModelWatcher(options.ModelPath);
        if (!options.Watch) models.Dispose();
        var detector = new FaceDetector(options.Detector);
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(detector);
        configure?.Invoke(builder);

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Faces.Serve");
        models.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Faces.Serve.Reload");
        var metrics = new ServeMetrics();
        models.ReloadFinished += metrics.Reloaded;
        // Outermost, so the status counted is the one sent, also when the exception handler made it.
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Request.Path == "/api/predict") metrics.Request(context.Response.StatusCode);
        });
        app.UseExceptionHandler(handler => handler.Run(context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            log.LogError("{Method} {Path} failed (request {Id}): {Kind}: {Message}", context.Request.Method, context.Request.Path,
                context.TraceIdentifier, error?.GetType().Name, error?.Message);
            return Problem(500, "Internal error", $"The server failed on this request (request {context.TraceIdentifier}); the log says why.").ExecuteAsync(context);
        }));
        app.Use((context, next) => SameSiteOnly(context, next, log));

        app.MapMethods("/healthz", new[] { "GET", "HEAD" }, () => Results.Text("ok"));
        app.MapGet("/metrics", metrics.Write);
        app.MapGet("/api/model", () => ModelInfo(models.Current, models.LastReloadError));
        // Decoding, the face search and scoring are CPU work: one request per core runs it, the others wait their
        // turn in arrival order (SemaphoreSlim queues async waiters first in, first out) instead of all sharing the
        // cores at once, which stretched every request's latency and the tail most.
        var cpu = new SemaphoreSlim(Environment.ProcessorCount);
        var heavy = new SemaphoreSlim(Math.Max(1, Environment.ProcessorCount - 1));
        var admission = new Admission(options.MaxRequestsInFlight, options.MaxBufferedMegabytes * 1024L * 1024);
        app.MapPost("/api/predict", (Func<HttpContext, Task<IResult>>)(context => Predict(context, options, models, detector, new Shared(cpu, heavy, metrics), admission, limit, log)));
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        var live = new LiveEndpoint(options, models, detector, cpu, metrics, log);
        app.Map("/api/live", (RequestDelegate)live.Handle);
        app.MapGet("/", () => Page("index.html", "text/html; charset=utf-8"));
        app.MapGet("/page/{name}", (string name) => name is "app.js" or "app.css"
            ? Page(name, name.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8")
            : Results.NotFound());
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            models.Dispose();
            detector.Dispose();
        });
        return app;
    }

    /// <summary>
    /// Refuses a state-changing request sent by another site's page (CSRF): browsers name the page's origin in
    /// <c>Origin</c>, which must then be this server's own. Clients that are not browsers send no Origin and pass.
    /// </summary>
    private static Task SameSiteOnly(HttpContext context, RequestDelegate next, ILogger log)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || FromThisSite(request)) return next(context);
        log.LogWarning("{Method} {Path} refused (request {Id}): cross-site Origin", request.Method, request.Path, context.TraceIdentifier);
        return Problem(403, "Cross-site request refused", "This server answers pages it serves itself; a page of another site may not post to it.").ExecuteAsync(context);
    }

    /// <summary>Whether a browser sent the request from this server's own page: no <c>Origin</c> (not a browser's cross-site request) or this host's.</summary>
    internal static bool FromThisSite(HttpRequest request) =>
        !request.Headers.TryGetValue("Origin", out var origin)
        || (Uri.TryCreate(origin.ToString(), UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase));

    private static IResult Page(string name, string contentType)
    {
        using var stream = typeof(FacesServer).Assembly.GetManifestResourceStream($"Faces.Cli.Serving.Page.{name}")!;
        using var reader = new StreamReader(stream);
        return Results.Content(reader.ReadToEnd(), contentType);
    }

    private static object ModelInfo(ExpressionModel model, string? reloadError) => new
    {
        file = Path.GetFileName(model.Path),
        kind = model.Provenance?.Model ?? "unknown (saved without provenance)",
        classes = model.ClassNames,
        inputSize = model.Side,
        canExplain = model.CanExplain,
        normalization = model.Provenance?.Normalization,
        metrics = model.Provenance?.Metrics?.ToDictionary(m => m.Key, m => new { microAccuracy = m.Value?.MicroAccuracy, logLoss = m.Value?.LogLoss }),
        loadedUtc = model.LoadedUtc,
        lastReloadError = reloadError,
    };

    /// <summary>
    /// What every photo request shares: the cores (one request's decode, search and scoring each), the heavy lane in
    /// front of them for large photos, and the metrics.
    /// </summary>
    private sealed record Shared(SemaphoreSlim Cpu, SemaphoreSlim Heavy, ServeMetrics Metrics);

    private static async Task<IResult> Predict(HttpContext context, ServeOptions options, ModelWatcher models, FaceDetector detector, Shared shared,
        Admission admission, long limit, ILogger log)
    {
        var clock = Stopwatch.StartNew();
        var request = context.Request;
        IResult Fail(int status, string stage, string title, string detail)
        {
            log.LogWarning("POST /api/predict {Status} at {Stage} (request {Id}): {Detail}", status, stage, context.TraceIdentifier, detail);
            return Problem(status, title, detail);
        }

        if (!admission.TryEnter()) return Busy(Fail(503, "admission", "Busy", $"{options.MaxRequestsInFlight} requests are in flight; try again shortly."));
        long reserved = 0;
        try
        {
            string? detectValue = request.Query["detect"];
            if (detectValue != null && !bool.TryParse(detectValue, out _))
                return Fail(400, "query", "Bad detect value", $"detect takes true or false; got '{Truncate(detectValue)}'.");
            bool detect = detectValue == null || bool.Parse(detectValue);
            string? explainValue = request.Query["explain"];
            if (explainValue != null && !bool.TryParse(explainValue, out _))
                return Fail(400, "query", "Bad explain value", $"explain takes true or false; got '{Truncate(explainValue)}'.");
            bool explain = explainValue != null && bool.Parse(explainValue);
            var model = models.Current;
            if (explain && !model.CanExplain)
                return Fail(400, "query", "Cannot explain", "This model classifies with a mixture of Gaussians, which has no gradients to map; ask without explain.");
            bool form = request.HasFormContentType;
            if (!form && !(request.ContentType is { } type && (type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))))
                return Fail(415, "content type", "Unsupported content type", $"Send an image as multipart/form-data (field 'image') or as the body with an image/* content type; got '{Truncate(request.ContentType)}'.");
            if (request.ContentLength > limit) return TooLarge(Fail, limit);
            reserved = request.ContentLength ?? limit;
            if (!admission.TryReserve(reserved))
            {
                reserved = 0;
                return Busy(Fail(503, "admission", "Busy", "Too many upload bytes are held by requests in flight; try again shortly."));
            }

            var (outcome, body) = await UploadReader.ReadBody(request, request.ContentLength, limit,
                TimeSpan.FromSeconds(options.BodyIdleSeconds), TimeSpan.FromSeconds(options.BodySeconds), context.RequestAborted);
            switch (outcome)
            {
                case UploadReader.Outcome.TooLarge:
                    return TooLarge(Fail, limit);
                case UploadReader.Outcome.Stalled:
                    Fail(408, "upload", "Upload stalled", $"The upload sent nothing for {options.BodyIdleSeconds} s or was not complete in {options.BodySeconds} s; the connection is closed.");
                    context.Abort();
                    return Results.Empty;
                case UploadReader.Outcome.ClientGone:
                    return Results.Empty;
            }
            byte[]? bytes = body;
            if (form)
            {
                try
                {
                    bytes = await UploadReader.FormFile(request.ContentType!, body);
                }
                catch (InvalidDataException e)
                {
                    return Fail(400, "form", "Malformed form", e.Message);
                }
                if (bytes == null) return Fail(400, "form", "No image", "The form has no file: send the photo in the field 'image'.");
            }
            double readMs = clock.Elapsed.TotalMilliseconds;
            return await Work(context, options, model, detector, shared, bytes, new Asked(detect, explain), clock, readMs, Fail);
        }
        finally
        {
            if (reserved > 0) admission.Release(reserved);
            admission.Exit();
        }
    }

    /// <summary>What the request asked for: a face search (or the whole image as one face) and saliency maps.</summary>
    private sealed record Asked(bool Detect, bool Explain);

    /// <summary>Decoding, the face search and scoring, under the work time limit and the client's hang-up.</summary>
    private static async Task<IResult> Work(HttpContext context, ServeOptions options, ExpressionModel model, FaceDetector detector, Shared shared,
        byte[] bytes, Asked asked, Stopwatch clock, double readMs, Func<int, string, string, string, IResult> fail)
    {
        bool large = ImageFiles.PixelCount(bytes) > ServeDefaults.HeavyPixels;
        if (large)
        {
            try
            {
                await shared.Heavy.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return Results.Empty;
            }
        }
        try
        {
            return await WorkOnACore(context, options, model, detector, shared, bytes, asked, clock, readMs, fail);
        }
        finally
        {
            if (large) shared.Heavy.Release();
        }
    }

    private static async Task<IResult> WorkOnACore(HttpContext context, ServeOptions options, ExpressionModel model, FaceDetector detector, Shared shared,
        byte[] bytes, Asked asked, Stopwatch clock, double readMs, Func<int, string, string, string, IResult> fail)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var work = new PhotoWork(options, model, detector);
        bool working = false;
        string Stage() => working ? work.Stage : "queue";
        try
        {
            // The wait for a core is bounded by admission (requests in flight), not by the work budget: under a burst of
            // ordinary photos the last in line must not time out. The budget starts with the work.
            await shared.Cpu.WaitAsync(context.RequestAborted);
            working = true;
            budget.CancelAfter(TimeSpan.FromSeconds(options.WorkSeconds));
            double queuedMs = clock.Elapsed.TotalMilliseconds - readMs;
            PhotoResult photo;
            try
            {
                photo = work.Run(bytes, asked.Detect, asked.Explain, budget.Token);
            }
            finally
            {
                shared.Cpu.Release();
            }
            // Scoring is what is left after the other parts, so the parts add up to the total.
            double totalMs = clock.Elapsed.TotalMilliseconds, scoreMs = totalMs - readMs - queuedMs - photo.DecodeMs - photo.DetectMs;
            shared.Metrics.Processed(photo.DecodeMs, photo.DetectMs, scoreMs, totalMs, photo.Faces.Count);
            return Results.Json(new
            {
                model = Path.GetFileName(model.Path),
                classes = model.ClassNames,
                width = photo.Image.SourceWidth,
                height = photo.Image.SourceHeight,
                faces = photo.Records,
                timing = new { readMs, queuedMs, decodeMs = photo.DecodeMs, detectMs = photo.DetectMs, scoreMs, totalMs },
            });
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty; // the client hung up: nobody to answer
        }
        catch (OperationCanceledException)
        {
            return Busy(fail(503, Stage(), "Took too long", $"The photo was not processed within {options.WorkSeconds} s; try a smaller one."));
        }
        catch (InvalidDataException e)
        {
            return fail(400, Stage(), "Not a readable image", e.Message);
        }
    }

    private static IResult TooLarge(Func<int, string, string, string, IResult> fail, long limit) =>
        fail(413, "upload", "Upload too large", $"Uploads are limited to {limit / (1024 * 1024)} MB (faces serve --max-upload-mb).");

    /// <summary>A 503 that tells the client when to come back.</summary>
    private static IResult Busy(IResult problem) => new WithRetryAfter(problem);

    private sealed class WithRetryAfter(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers.RetryAfter = ServeDefaults.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(context);
        }
    }

    private static string Truncate(string? value) => value is { Length: > 80 } ? value[..80] + "…" : value ?? "";

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail: detail, statusCode: status, title: title);
}
