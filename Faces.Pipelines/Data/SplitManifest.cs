using System.Globalization;
using System.Text;

namespace Faces.Pipelines.Data;

/// <summary>Which file went to which split: one row per image (file, class, group, split), in split order.</summary>
public sealed record SplitManifest(IReadOnlyList<SplitManifest.Row> Rows)
{
    public sealed record Row(string File, string Class, string Group, string Split);

    /// <summary>The rows of one split, in the split's row order.</summary>
    public IEnumerable<Row> Of(string split) => Rows.Where(r => r.Split == split);

    /// <summary>The manifest as CSV (quoted where needed).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("file,class,group,split\n");
        foreach (var row in Rows)
            csv.Append(string.Join(",", new[] { row.File, row.Class, row.Group, row.Split }.Select(Quote))).Append('\n');
        return csv.ToString();
    }

    private static string Quote(string value) =>
        value.IndexOfAny(new[] { ',', '"', '\n', '\r' }) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Groups that appear in more than one split, with their splits.</summary>
    public IReadOnlyList<string> SharedGroups() => Rows.GroupBy(r => r.Group)
        .Where(g => g.Select(r => r.Split).Distinct().Count() > 1)
        .Select(g => $"{g.Key} ({string.Join(", ", g.Select(r => r.Split).Distinct())})").ToList();

    internal static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);
}
