using System.Diagnostics;

namespace Faces.Cli.Benchmarks;

/// <summary>Runs a peer script with Debian's own python3 (not a pyenv one first on PATH) and returns its standard output.</summary>
internal static class PythonPeer
{
    public const string Python = "/usr/bin/python3";

    /// <summary>
    /// A peer's process settings: OpenBLAS tuning variables of this machine's shell are removed for the peer only
    /// (with them set, Debian's OpenBLAS ran at half speed).
    /// </summary>
    public static ProcessStartInfo PeerStart(string program, IEnumerable<string> arguments, bool input = false)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardInput = input, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        return start;
    }

    /// <summary>Writes the embedded peer script <paramref name="name"/> (under Benchmarks/Peers) to <paramref name="folder"/>; its path.</summary>
    public static string WriteScript(string name, string folder)
    {
        // The module the training peers share is written beside every script (Python imports from the script's folder).
        Write(SharedModule, folder);
        return Write(name, folder);
    }

    private const string SharedModule = "study_networks.py";

    private static string Write(string name, string folder)
    {
        string script = Path.Combine(folder, name);
        using var resource = typeof(PythonPeer).Assembly.GetManifestResourceStream($"Faces.Cli.Benchmarks.Peers.{name}")
                             ?? throw new InvalidOperationException($"Peer script {name} is not embedded in {typeof(PythonPeer).Assembly.GetName().Name}.");
        using var file = File.Create(script);
        resource.CopyTo(file);
        return script;
    }

    /// <summary>
    /// Standard output of the peer script <paramref name="name"/> (a .py file under Benchmarks/Peers, embedded in this
    /// assembly and written to <paramref name="folder"/>), or null after writing why it failed and what to install.
    /// </summary>
    public static string? Run(TextWriter output, string name, string folder, IEnumerable<string> arguments, string peerName, string debianPackage)
    {
        string script = WriteScript(name, folder);
        if (!File.Exists(Python))
        {
            output.WriteLine($"{peerName} peer missing: {Python} not found (apt-get install {debianPackage})");
            return null;
        }
        var start = PeerStart(Python, new[] { script }.Concat(arguments));
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode == 0) return stdout.Result;
        output.WriteLine($"{peerName} peer failed (apt-get install {debianPackage}?): {stderr.Trim().Split('\n').LastOrDefault()}");
        return null;
    }
}
