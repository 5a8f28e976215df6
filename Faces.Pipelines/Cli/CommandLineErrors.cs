using System.CommandLine;
using Faces.Torch.Native;

namespace Faces.Pipelines.Cli;

/// <summary>Turns the errors a user can cause into one line on stderr and a non-zero exit, not a stack trace.</summary>
internal static class CommandLineErrors
{
    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"faces: error: {e.Message}");
            return 2;
        }
    }

    private static bool IsUserFacing(Exception e) =>
        e is TorchNativeLoadException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
            or ArgumentException or FormatException or InvalidOperationException or IOException or UnauthorizedAccessException;
}
