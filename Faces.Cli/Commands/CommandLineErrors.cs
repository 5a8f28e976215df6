using System.CommandLine;
using Faces.Torch.Native;

namespace Faces.Cli.Commands;

/// <summary>
/// Turns every error into one line on stderr and exit code 2 — parse errors and bad input alike — never a stack
/// trace (FACES_TRACE=1 prints one for a developer). An error of a kind no input should cause is labelled internal.
/// </summary>
internal static class CommandLineErrors
{
    public const int BadInput = 2;

    /// <summary>Parses and runs; <paramref name="configure"/> applies process-wide options once parsing succeeded.</summary>
    public static int Run(RootCommand root, string[] args, Action<ParseResult>? configure = null)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"faces: error: {OneLine(parsed.Errors[0].Message)} (faces {CommandPath(parsed.CommandResult)} --help lists the options)");
            return BadInput;
        }
        try
        {
            configure?.Invoke(parsed);
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            if (Environment.GetEnvironmentVariable("FACES_TRACE") == "1") Console.Error.WriteLine(e);
            var cause = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerException! : e;
            Console.Error.WriteLine(IsUserFacing(cause)
                ? $"faces: error: {OneLine(cause.Message)}"
                : $"faces: internal error ({cause.GetType().Name}): {OneLine(cause.Message)}");
            return BadInput;
        }
    }

    /// <summary>The words that reach <paramref name="command"/> after <c>faces</c>: <c>benchmark real</c>, not <c>real</c>.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new List<string>();
        for (var c = command; c.Parent is System.CommandLine.Parsing.CommandResult parent; c = parent) names.Insert(0, c.Command.Name);
        return string.Join(' ', names);
    }

    /// <summary>The message on one line: a newline inside a file name or a nested message is shown as \n.</summary>
    public static string OneLine(string message) => message.Replace("\r", "\\r").Replace("\n", "\\n");

    private static bool IsUserFacing(Exception e) =>
        e is TorchNativeLoadException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
            or ArgumentException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException
            or OverflowException or OutOfMemoryException or OperationCanceledException or NotSupportedException;
}
