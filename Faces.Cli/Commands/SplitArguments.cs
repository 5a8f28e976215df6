using System.CommandLine;
using Faces.Pipelines.Data;

namespace Faces.Cli.Commands;

/// <summary>The options that say how data is split, separate from the training seed.</summary>
internal sealed class SplitArguments
{
    public readonly Option<int?> Seed = new("--split-seed") { Description = "Seed of the train/valid/test split Faces makes (and of the embedded generator's faces). Default 1; evaluate: the model's." };
    public readonly Option<string?> GroupBy = new("--group-by") { Description = "Split by person: a regular expression on each file name whose first capture group is the person, e.g. '^(s\\d+)_'. No person is put in two splits." };
    public readonly Option<FileInfo?> Groups = new("--groups") { Description = "Split by person from a CSV of file,group rows." };

    public IEnumerable<Option> All => new Option[] { Seed, GroupBy, Groups };

    /// <summary>The split the options ask for; what they leave out comes from <paramref name="fallback"/> (a model's own split) or the defaults.</summary>
    public SplitOptions Read(ParseResult result, SplitOptions? fallback = null)
    {
        var given = fallback ?? new SplitOptions();
        string? groupBy = result.GetValue(GroupBy);
        string? groups = result.GetValue(Groups)?.FullName;
        if (groupBy != null && groups != null) throw new ArgumentException("Give --group-by or --groups, not both.");
        bool regrouped = groupBy != null || groups != null;
        return given with
        {
            Seed = result.GetValue(Seed) ?? given.Seed,
            GroupBy = regrouped ? groupBy : given.GroupBy,
            GroupsFile = regrouped ? groups : given.GroupsFile,
        };
    }
}
