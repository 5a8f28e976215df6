using System.CommandLine;
using System.Reflection;
using Faces.Torch;
using Faces.Torch.Native;

namespace Faces.Cli.Commands;

/// <summary><c>faces info</c>: versions, device and threads.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Print Faces, ML.NET, TorchSharp and libtorch versions, the device and the thread count; with --model, where that model came from.");
        var model = new Option<FileInfo?>("--model") { Description = "A model .zip: print its provenance (data, fingerprint, split, seeds, settings, metrics)." };
        command.Options.Add(model);
        command.SetAction(result =>
        {
            if (result.GetValue(model) is { } file)
            {
                ModelFiles.Load(Scratch.NewContext(1), file.FullName, out _);
                var provenance = ModelProvenance.Read(file.FullName);
                if (provenance == null) Console.WriteLine($"{file.FullName}: a readable model without provenance (saved by ML.NET directly or an older Faces).");
                else foreach (var line in provenance.Describe()) Console.WriteLine(line);
                return 0;
            }
            Console.WriteLine($"Faces       {ProductVersion(typeof(InfoCommand).Assembly)}");
            Console.WriteLine($"ML.NET      {ProductVersion(typeof(Microsoft.ML.MLContext).Assembly)}");
            Console.WriteLine($"TorchSharp  {TorchEnvironment.TorchSharpVersion}");
            Console.WriteLine($"libtorch    {TorchEnvironment.LibTorchVersion}");
            Console.WriteLine($"native      {TorchRuntime.NativeLibraryPath ?? "(loaded by TorchSharp)"}");
            Console.WriteLine($"device      {(TorchEnvironment.CudaAvailable ? "cuda (available), cpu" : "cpu (CUDA not available)")}");
            Console.WriteLine($"threads     {TorchEnvironment.Threads} (cores: {Environment.ProcessorCount})");
            return 0;
        });
        return command;
    }

    /// <summary>The package version (ML.NET's assembly version stays 1.0.0.0 across releases).</summary>
    private static string ProductVersion(System.Reflection.Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return informational?.Split('+')[0] ?? assembly.GetName().Version?.ToString() ?? "unknown";
    }
}
