using System.CommandLine;
using Faces.Pipelines.Serving;

namespace Faces.Pipelines.Cli;

/// <summary><c>faces serve</c>: a saved model behind an HTTP API and a web page, on loopback by default.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Serve a model .zip: POST /api/predict, GET /api/model, GET /healthz, and a page at / where a photo's faces are boxed and labelled.");
        var model = CommonOptions.Model("The model .zip to serve (reloaded when the file changes).");
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "The largest upload accepted (413 above it).", DefaultValueFactory = _ => 20 };
        maxUpload.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--max-upload-mb must be at least 1."); });
        var detection = new DetectionArguments();
        foreach (var option in new Option[] { model, urls, maxUpload }.Concat(detection.All)) command.Options.Add(option);
        command.SetAction(async (result, cancellation) =>
        {
            var app = FacesServer.Build(new ServeOptions
            {
                ModelPath = result.GetValue(model)!.FullName, Urls = result.GetValue(urls)!, MaxUploadMegabytes = result.GetValue(maxUpload),
                Detector = detection.Read(result),
            });
            await app.StartAsync(cancellation);
            Console.WriteLine($"Serving {result.GetValue(model)!.Name} on {string.Join(", ", app.Urls)} (Ctrl+C stops).");
            await Microsoft.Extensions.Hosting.HostingAbstractionsHostExtensions.WaitForShutdownAsync(app, cancellation);
            return 0;
        });
        return command;
    }
}
