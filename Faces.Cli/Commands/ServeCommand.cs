using Faces.Pipelines.Imaging;
using System.CommandLine;
using Faces.Cli.Serving;

namespace Faces.Cli.Commands;

/// <summary><c>faces serve</c>: a saved model behind an HTTP API and a web page, on loopback by default.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Serve a model .zip: POST /api/predict, GET /api/model, GET /healthz, and a page at / where a photo's faces are boxed and labelled.");
        var model = CommonOptions.ModelOrDefault("The model .zip to serve (reloaded when the file changes).");
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => ServeDefaults.Urls };
        var allowedHosts = new Option<string>("--allowed-hosts")
        {
            Description = "Host header values accepted, separated by ';' ('*': any). Name the host when listening beyond loopback.",
            DefaultValueFactory = _ => ServeDefaults.AllowedHosts,
        };
        var maxUpload = Positive(new Option<int>("--max-upload-mb") { Description = "The largest upload accepted (413 above it).", DefaultValueFactory = _ => ServeDefaults.MaxUploadMegabytes });
        var maxPixels = new Option<long>("--max-photo-pixels") { Description = "The largest photo accepted, in pixels (the server's own cap, below the command line's).", DefaultValueFactory = _ => ServeDefaults.MaxImagePixels };
        maxPixels.Validators.Add(r => { if (r.GetValueOrDefault<long>() < 1) r.AddError("--max-photo-pixels must be at least 1."); });
        var decodeSide = new Option<int>("--decode-side") { Description = "Photos are decoded reduced to this longer side before the face search (0: full size).", DefaultValueFactory = _ => ServeDefaults.DecodeSide };
        decodeSide.Validators.Add(r => { int v = r.GetValueOrDefault<int>(); if (v < 0 || (v > 0 && v < 48)) r.AddError("--decode-side must be 0 or at least 48."); });
        var inFlight = Positive(new Option<int>("--max-in-flight") { Description = "Requests read or worked on at once (503 beyond).", DefaultValueFactory = _ => ServeDefaults.MaxRequestsInFlight });
        var buffered = Positive(new Option<int>("--max-buffered-mb") { Description = "Upload bytes held across all requests (503 beyond).", DefaultValueFactory = _ => ServeDefaults.MaxBufferedMegabytes });
        var liveViewers = Positive(new Option<int>("--max-live-viewers") { Description = "Live camera streams (/api/live) open at once (503 beyond).", DefaultValueFactory = _ => ServeDefaults.MaxLiveViewers });
        var detection = new DetectionArguments();
        foreach (var option in new Option[] { model, urls, allowedHosts, maxUpload, maxPixels, decodeSide, inFlight, buffered, liveViewers }.Concat(detection.All)) command.Options.Add(option);
        command.SetAction(async (result, cancellation) =>
        {
            var options = new ServeOptions
            {
                ModelPath = CommonOptions.ModelPath(result, model), Watch = result.GetValue(model) != null, Urls = result.GetValue(urls)!, AllowedHosts = result.GetValue(allowedHosts)!,
                MaxUploadMegabytes = result.GetValue(maxUpload), MaxImagePixels = result.GetValue(maxPixels), DecodeSide = result.GetValue(decodeSide),
                MaxRequestsInFlight = result.GetValue(inFlight), MaxBufferedMegabytes = result.GetValue(buffered), MaxLiveViewers = result.GetValue(liveViewers),
                Detector = detection.Read(result),
            };
            var app = FacesServer.Build(options);
            await app.StartAsync(cancellation);
            Console.WriteLine($"Serving {result.GetValue(model)?.Name ?? DefaultModel.Name} on {string.Join(", ", app.Urls)} (Ctrl+C stops).");
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app, cancellation);
            return 0;
        });
        return command;
    }

    private static Option<int> Positive(Option<int> option)
    {
        option.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError($"{option.Name} must be at least 1."); });
        return option;
    }
}
