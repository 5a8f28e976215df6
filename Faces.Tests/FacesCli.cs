using System.Diagnostics;
using System.Reflection;

namespace Faces.Tests;

/// <summary>Runs the real `faces` executable (built next to the tests) in a child process.</summary>
internal static class FacesCli
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(string? workingDirectory, params string[] arguments)
    {
        string cli = typeof(FacesCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "FacesCli").Value!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory != null) start.WorkingDirectory = workingDirectory;
        start.ArgumentList.Add(cli);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, output.Result, error);
    }

    /// <summary>Runs and asserts success; returns standard output.</summary>
    public static string Succeed(params string[] arguments)
    {
        var result = Run(null, arguments);
        Assert.True(result.ExitCode == 0, $"faces {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Error}{result.Output}");
        return result.Output;
    }
}
