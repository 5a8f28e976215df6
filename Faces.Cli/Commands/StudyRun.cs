using System.CommandLine;
using Faces.Pipelines.Data;
using Microsoft.ML;

namespace Faces.Cli.Commands;

/// <summary>What demo, experiment and reproduce share: --quick, --seed, --out (checked first), and the data they load.</summary>
internal sealed record StudyRun(MLContext Ml, FaceDataset Data, bool Quick, int Seed, string Folder)
{
    public static StudyRun Start(ParseResult result, Option<bool> quick, Option<int> seed, Option<DirectoryInfo> output, string data, string spinner = "Loading data")
    {
        bool isQuick = result.GetValue(quick);
        int seedValue = result.GetValue(seed);
        string folder = result.GetValue(output)!.FullName;
        OutputPaths.CheckFolder(folder, "--out");
        var ml = Scratch.NewContext(seedValue);
        var dataset = Progress.Spin(spinner, () => DataSources.Load(ml, data, new SplitOptions { Seed = seedValue }, isQuick ? SyntheticFaces.Options.Quick : null));
        return new StudyRun(ml, dataset, isQuick, seedValue, folder);
    }
}
