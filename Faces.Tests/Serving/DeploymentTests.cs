using System.Net;
using System.Text.RegularExpressions;
using Faces.Cli.Commands;
using Faces.Cli.Serving;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;

namespace Faces.Tests.Serving;

/// <summary>
/// docs/deploy's container and Kubernetes files against the server they run (no Docker daemon or cluster is needed):
/// the probes and the health check ask for paths the server answers, and the container's command line parses.
/// </summary>
public sealed class DeploymentTests
{
    private static string Deploy(string name) => File.ReadAllText(Path.Combine(FacesCli.RepositoryRoot, "docs", "deploy", name));

    [Fact]
    public async Task Every_probe_and_the_health_check_ask_for_a_path_the_server_answers()
    {
        var manifest = Deploy("kubernetes.yaml");
        var paths = Regex.Matches(manifest, @"httpGet: \{path: (\S+),").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, paths.Count); // readiness and liveness
        var check = Regex.Match(Deploy("Dockerfile"), @"HEALTHCHECK .*curl -fsS http://127\.0\.0\.1:8080(\S+)");
        Assert.True(check.Success, "the Dockerfile's HEALTHCHECK asks the server over HTTP");
        paths.Add(check.Groups[1].Value);
        Assert.Contains("/metrics", manifest); // the scrape annotation names the metrics path

        var app = FacesServer.Build(new ServeOptions { ModelPath = Faces.Pipelines.Training.DefaultModel.Path, Watch = false }, b => b.WebHost.UseTestServer());
        await app.StartAsync();
        await using var _ = app;
        var client = app.GetTestClient();
        foreach (var path in paths.Append("/metrics"))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public void The_container_command_line_is_a_valid_faces_serve()
    {
        var entry = Regex.Match(Deploy("Dockerfile"), @"ENTRYPOINT \[(.*)\]").Groups[1].Value;
        var arguments = Regex.Matches(entry, "\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(new[] { "dotnet", "faces.dll", "serve" }, arguments[..3]);
        var parsed = ServeCommand.Create().Parse(arguments[3..]);
        Assert.Empty(parsed.Errors);
        Assert.Contains("--model", arguments);
        Assert.Contains("/models/model.zip", arguments);
        Assert.Contains("USER app", Deploy("Dockerfile")); // not root
    }
}
