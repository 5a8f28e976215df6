using Faces.Torch.Training;
using System.CommandLine;
using Faces.Pipelines.Data;

namespace Faces.Cli.Commands;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string> Data() => new("--data")
    {
        Description = "A TFD .npz, a FER2013 .csv, a folder of class subfolders of images, a folder of IDX files, " +
                      $"'{DataSources.FashionMnist}' (Debian's dataset-fashion-mnist) or '{DataSources.Synthetic}' (the embedded generator).",
        DefaultValueFactory = _ => DataSources.Synthetic,
    };

    public static Option<int> Seed() => new("--seed") { Description = "Seed for data generation, splits, initialisation and shuffling.", DefaultValueFactory = _ => TrainingDefaults.Seed };

    /// <summary>--widths: the real-face network's filters per block (default <see cref="Faces.Torch.Models.ExpressionNetDefaults.Widths"/>).</summary>
    public static Option<int[]> Widths() => new Option<int[]>("--widths")
    {
        Description = $"Real-face network: filters of each block of two 3x3 convolutions (default {string.Join(' ', Faces.Torch.Models.ExpressionNetDefaults.Widths)}; {string.Join(' ', Faces.Torch.Models.ExpressionNetDefaults.FastWidths)} in the fast preset).",
        AllowMultipleArgumentsPerToken = true,
    }.Within(1, 4096);

    /// <summary>
    /// --low-memory: on unless given <c>false</c>, because training's memory goal (3x the pixels) holds only with it;
    /// <see cref="ApplyLowMemory"/> applies it before the first tensor.
    /// </summary>
    public static Option<bool> LowMemory() => new("--low-memory")
    {
        Description = "Train in less memory for some more time: large tensors in memory mappings of their own, on huge pages (Linux; " +
                      "docs/real-faces.md has the measurements). On unless given false (--low-memory false).",
        DefaultValueFactory = _ => true,
    };

    /// <summary>Turns low-memory mode on when <paramref name="option"/> says so; call before anything makes a tensor (libtorch reads its huge-page setting at its first).</summary>
    public static void ApplyLowMemory(ParseResult result, Option<bool> option, TextWriter output)
    {
        if (result.GetValue(option)) output.WriteLine(Faces.Torch.Native.LowMemoryMode.Enable());
    }

    public static Option<string> Device() => new("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => TrainingDefaults.Device };

    public static Option<int> Threads()
    {
        var option = new Option<int>("--threads") { Description = $"libtorch threads, 0 (all cores) to the core count ({Environment.ProcessorCount} here).", DefaultValueFactory = _ => TrainingDefaults.Threads };
        // More threads than cores only slows libtorch down; hundreds of thousands never finish starting.
        option.Validators.Add(result =>
        {
            int threads = result.GetValueOrDefault<int>();
            if (threads < 0 || threads > Environment.ProcessorCount)
                result.AddError($"--threads {threads}: give 0 (all cores) to {Environment.ProcessorCount}, the cores of this machine.");
        });
        return option;
    }

    /// <summary>Refuses values of <paramref name="option"/> outside minimum..maximum before anything runs, naming the option.</summary>
    public static Option<int> Within(this Option<int> option, int minimum, int maximum = int.MaxValue)
    {
        option.Validators.Add(result =>
        {
            int value = result.GetValueOrDefault<int>();
            if (value < minimum || value > maximum)
                result.AddError($"{option.Name} {value}: give {minimum}{(maximum == int.MaxValue ? " or more" : $" to {maximum}")}.");
        });
        return option;
    }

    /// <summary>The same for every value of a list option.</summary>
    public static Option<int[]> Within(this Option<int[]> option, int minimum, int maximum = int.MaxValue)
    {
        option.Validators.Add(result =>
        {
            foreach (int value in result.GetValueOrDefault<int[]>() ?? Array.Empty<int>())
                if (value < minimum || value > maximum)
                    result.AddError($"{option.Name} {value}: give {minimum}{(maximum == int.MaxValue ? " or more" : $" to {maximum}")}.");
        });
        return option;
    }

    public static Option<FileInfo> Model(string description) => new("--model") { Description = description, Required = true };

    /// <summary>--model for commands that fall back to the shipped model (<see cref="DefaultModel"/>) when none is named.</summary>
    public static Option<FileInfo?> ModelOrDefault(string description) =>
        new("--model") { Description = $"{description} Default: the shipped real-face model, trained on FER2013." };

    /// <summary>The model file a <see cref="ModelOrDefault"/> option names, or the shipped one.</summary>
    public static string ModelPath(ParseResult result, Option<FileInfo?> option) => result.GetValue(option)?.FullName ?? DefaultModel.Path;
}
