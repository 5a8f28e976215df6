using System.Diagnostics;
using System.Reflection;

namespace Faces.Tests;

/// <summary>Runs the real `faces` executable (built next to the tests) in a child process.</summary>
internal static class FacesCli
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>The repository's root folder (where README.md is).</summary>
    public static string RepositoryRoot => Metadata("RepositoryRoot");

    private static string Metadata(string key) => typeof(FacesCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static Result Run(string? workingDirectory, params string[] arguments) =>
        RunProcess("dotnet", workingDirectory, new[] { Metadata("FacesCli") }.Concat(arguments).ToArray());

    /// <summary>Runs any program to its end, capturing both streams.</summary>
    public static Result RunProcess(string program, string? workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory != null) start.WorkingDirectory = workingDirectory;
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
