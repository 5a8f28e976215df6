using System.Diagnostics;
using System.Text.Json;

namespace Faces.Cli.Benchmarks;

/// <summary>
/// A peer script kept running for a whole benchmark, so that both sides can be timed round by round (interleaved):
/// it prints one JSON line describing itself (library versions, BLAS, threads), then answers one JSON line per command.
/// </summary>
internal sealed class PeerSession : IDisposable
{
    private readonly Process process;

    /// <summary>The peer's first line: what it runs on.</summary>
    public JsonElement Configuration { get; }

    private PeerSession(Process process, JsonElement configuration)
    {
        this.process = process;
        Configuration = configuration;
    }

    /// <summary>
    /// Starts the embedded script <paramref name="name"/> with Debian's python3 (<see cref="PythonPeer.PeerStart"/>);
    /// null (after saying why and what to install) when it cannot start.
    /// </summary>
    public static PeerSession? Start(TextWriter output, string name, string folder, IEnumerable<string> arguments, string peerName, string debianPackages)
    {
        string script = PythonPeer.WriteScript(name, folder);
        if (!File.Exists(PythonPeer.Python))
        {
            output.WriteLine($"{peerName} peer missing: {PythonPeer.Python} not found (apt-get install {debianPackages})");
            return null;
        }
        var process = Process.Start(PythonPeer.PeerStart(PythonPeer.Python, new[] { script }.Concat(arguments), input: true))!;
        var errors = process.StandardError.ReadToEndAsync();
        string? first = process.StandardOutput.ReadLine();
        if (first == null)
        {
            process.WaitForExit();
            output.WriteLine($"{peerName} peer failed (apt-get install {debianPackages}?): {errors.Result.Trim().Split('\n').LastOrDefault()}");
            process.Dispose();
            return null;
        }
        return new PeerSession(process, JsonDocument.Parse(first).RootElement.Clone());
    }

    /// <summary>Sends one command and returns the peer's answer.</summary>
    public JsonElement Ask(string command)
    {
        process.StandardInput.WriteLine(command);
        process.StandardInput.Flush();
        string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"The peer stopped while answering '{command}'.");
        var answer = JsonDocument.Parse(line).RootElement.Clone();
        if (answer.TryGetProperty("error", out var error)) throw new InvalidOperationException($"The peer refused '{command}': {error}");
        return answer;
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.Close();
            if (!process.WaitForExit(5000)) process.Kill();
        }
        finally
        {
            process.Dispose();
        }
    }
}
