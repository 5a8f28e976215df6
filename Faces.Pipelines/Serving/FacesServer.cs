using System.Diagnostics;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Detection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Faces.Pipelines.Serving;

/// <summary>
/// A saved model behind an HTTP API and a page: <c>POST /api/predict</c> (multipart field or raw image body; every
/// face with its box and expression probabilities, the classes and timings; <c>?detect=false</c> takes the whole image
/// as one face), <c>GET /api/model</c>, <c>GET /healthz</c>, and the page at <c>/</c>. Bad uploads are problem-details
/// JSON with 400, 413 or 415, never a 500.
/// </summary>
public static class FacesServer
{
    /// <summary>Builds the application; <paramref name="configure"/> lets tests swap the server (TestServer).</summary>
    public static WebApplication Build(ServeOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(options.Urls);
        long limit = options.MaxUploadMegabytes * 1024L * 1024;
        builder.Services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = limit);
        builder.Services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = limit);
        builder.Services.AddProblemDetails();
        var models = new ModelWatcher(options.ModelPath);
        if (!options.Watch) models.Dispose();
        var detector = new FaceDetector(options.Detector);
        builder.Services.AddSingleton(models);
        builder.Services.AddSingleton(detector);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/api/model", () => ModelInfo(models.Current, models.LastReloadError));
        // Decoding, the face search and scoring are CPU work: one request per core runs it, the others wait their
        // turn in arrival order (SemaphoreSlim queues async waiters first in, first out) instead of all sharing the
        // cores at once, which stretched every request's latency and the tail most.
        var cpu = new SemaphoreSlim(Environment.ProcessorCount);
        app.MapPost("/api/predict", (Func<HttpContext, Task<IResult>>)(context => Predict(context, models, detector, cpu, limit)));
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

    private static IResult Page(string name, string contentType)
    {
        using var stream = typeof(FacesServer).Assembly.GetManifestResourceStream($"Faces.Pipelines.Serving.Page.{name}")!;
        using var reader = new StreamReader(stream);
        return Results.Content(reader.ReadToEnd(), contentType);
    }

    private static object ModelInfo(ServedModel model, string? reloadError) => new
    {
        file = Path.GetFileName(model.Path),
        kind = model.Provenance?.Model ?? "unknown (saved without provenance)",
        classes = model.ClassNames,
        inputSize = model.Side,
        normalization = model.Provenance?.Normalization,
        metrics = model.Provenance?.Metrics.ToDictionary(m => m.Key, m => new { microAccuracy = m.Value.MicroAccuracy, logLoss = m.Value.LogLoss }),
        loadedUtc = model.LoadedUtc,
        lastReloadError = reloadError,
    };

    private static async Task<IResult> Predict(HttpContext context, ModelWatcher models, FaceDetector detector, SemaphoreSlim cpu, long limit)
    {
        var clock = Stopwatch.StartNew();
        var model = models.Current; // one model for the whole request, whatever a reload does meanwhile
        const string file = "the upload";
        try
        {
            byte[] bytes;
            var request = context.Request;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync(context.RequestAborted);
                var upload = form.Files.GetFile("image") ?? form.Files.FirstOrDefault();
                if (upload == null) return Problem(400, "No image", "The form has no file: send the photo in the field 'image'.");
                using var buffer = new MemoryStream();
                await upload.CopyToAsync(buffer, context.RequestAborted);
                bytes = buffer.ToArray();
            }
            else if (request.ContentType is { } type && (type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer, context.RequestAborted);
                bytes = buffer.ToArray();
            }
            else
            {
                return Problem(415, "Unsupported content type", $"Send an image as multipart/form-data (field 'image') or as the body with an image/* content type; got '{request.ContentType}'.");
            }
            double readMs = clock.Elapsed.TotalMilliseconds;

            bool detect = !string.Equals(request.Query["detect"], "false", StringComparison.OrdinalIgnoreCase);
            await cpu.WaitAsync(context.RequestAborted);
            double queuedMs = clock.Elapsed.TotalMilliseconds - readMs, decodeMs, detectMs;
            int width, height;
            IReadOnlyList<FaceExpression> faces;
            try
            {
                using var gray = FaceDetector.ReadGray(bytes, file);
                (width, height) = (gray.Width, gray.Height);
                decodeMs = clock.Elapsed.TotalMilliseconds - readMs - queuedMs;
                var boxes = detect ? detector.Detect(gray) : new[] { new FaceBox(0, 0, gray.Width, gray.Height, 0) };
                detectMs = clock.Elapsed.TotalMilliseconds - readMs - queuedMs - decodeMs;
                faces = model.Recognize(gray, boxes);
            }
            finally
            {
                cpu.Release();
            }
            double totalMs = clock.Elapsed.TotalMilliseconds;
            return Results.Json(new
            {
                model = Path.GetFileName(model.Path),
                classes = model.ClassNames,
                width,
                height,
                faces = faces.Select(f => new
                {
                    box = new { x = f.Box.X, y = f.Box.Y, width = f.Box.Width, height = f.Box.Height, score = f.Box.Score },
                    expression = f.Expression, probability = f.Probability, probabilities = f.Probabilities,
                }),
                timing = new { readMs, queuedMs, decodeMs, detectMs, scoreMs = totalMs - readMs - queuedMs - decodeMs - detectMs, totalMs },
            });
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(413, "Upload too large", $"Uploads are limited to {limit / (1024 * 1024)} MB (faces serve --max-upload-mb).");
        }
        catch (InvalidDataException e) when (e.Message.Contains("Multipart body length limit", StringComparison.Ordinal))
        {
            return Problem(413, "Upload too large", $"Uploads are limited to {limit / (1024 * 1024)} MB (faces serve --max-upload-mb).");
        }
        catch (InvalidDataException e)
        {
            return Problem(400, "Not a readable image", e.Message);
        }
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(detail: detail, statusCode: status, title: title);
}
