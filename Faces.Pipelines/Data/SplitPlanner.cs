using System.Text.RegularExpressions;

namespace Faces.Pipelines.Data;

/// <summary>
/// Divides labelled files into train/valid/test: per class (stratified), and when groups are known, whole groups at a
/// time so that no person is in two splits. Seeded; says when a class is too small for the split it asks for.
/// </summary>
public static class SplitPlanner
{
    public sealed record Item(string File, int Class, string Group);

    /// <summary>The split ("train", "valid", "test") of each item, in input order, and any warnings.</summary>
    public static (string[] Splits, IReadOnlyList<string> Warnings) Plan(IReadOnlyList<Item> items, IReadOnlyList<string> classNames, SplitOptions options)
    {
        var splits = new string[items.Count];
        var warnings = new List<string>();
        var random = new Random(options.Seed);
        bool grouped = options.GroupBy != null || options.GroupsFile != null;
        if (grouped)
        {
            // A person usually shows several expressions: whole groups go to one split, across classes.
            Assign(Units(Enumerable.Range(0, items.Count), i => items[i].Group), random, options, splits);
            foreach (var byClass in Enumerable.Range(0, items.Count).GroupBy(i => items[i].Class).OrderBy(g => g.Key))
            {
                var missing = new[] { "train", "valid", "test" }.Where(split => byClass.All(i => splits[i] != split)).ToList();
                if (missing.Count > 0)
                    warnings.Add($"class '{classNames[byClass.Key]}' has no images in {string.Join(" or ", missing)}: its groups are too few for the split.");
            }
        }
        else
        {
            foreach (var byClass in Enumerable.Range(0, items.Count).GroupBy(i => items[i].Class).OrderBy(g => g.Key))
            {
                int count = byClass.Count();
                if (count < 3)
                    warnings.Add($"class '{classNames[byClass.Key]}' has {count} image(s); a split needs at least 3 (one each for train, valid and test).");
                Assign(Units(byClass, i => items[i].File), random, options, splits);
            }
        }
        return (splits, warnings);

        int[][] Units(IEnumerable<int> indices, Func<int, string> key) =>
            indices.GroupBy(key).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray();
    }

    /// <summary>Shuffles the units and fills test, then valid, up to their shares; the rest (at least one unit) trains.</summary>
    private static void Assign(int[][] units, Random random, SplitOptions options, string[] splits)
    {
        random.Shuffle(units);
        int total = units.Sum(u => u.Length);
        int wantTest = units.Length >= 3 ? Math.Max(1, (int)Math.Round(total * options.TestFraction)) : 0;
        int wantValid = units.Length >= 2 ? Math.Max(1, (int)Math.Round(total * options.ValidationFraction)) : 0;
        int test = 0, valid = 0;
        for (int u = 0; u < units.Length; u++)
        {
            bool last = u == units.Length - 1;
            string split = !last && test < wantTest ? "test" : !last && valid < wantValid ? "valid" : "train";
            if (split == "test") test += units[u].Length;
            else if (split == "valid") valid += units[u].Length;
            foreach (int i in units[u]) splits[i] = split;
        }
    }

    /// <summary>The group of each file: the regular expression's first capture group, a CSV's entry, or the file itself.</summary>
    public static Func<string, string> Groups(string root, SplitOptions options)
    {
        if (options.GroupBy != null)
        {
            Regex pattern;
            try
            {
                pattern = new Regex(options.GroupBy, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"--group-by '{options.GroupBy}' is not a valid regular expression: {e.Message}", e);
            }
            if (pattern.GetGroupNumbers().Length < 2)
                throw new ArgumentException($"--group-by '{options.GroupBy}' has no capture group; put the person's part of the file name in parentheses.");
            return file =>
            {
                var match = pattern.Match(Path.GetFileName(file));
                if (!match.Success || !match.Groups[1].Success)
                    throw new InvalidDataException($"{file}: its name does not match --group-by '{options.GroupBy}'.");
                return match.Groups[1].Value;
            };
        }
        if (options.GroupsFile != null)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (number, line) in TextLines.Read(options.GroupsFile))
            {
                if (line.Trim().Length == 0 || (number == 1 && line.StartsWith("file,", StringComparison.OrdinalIgnoreCase))) continue;
                int comma = line.LastIndexOf(',');
                if (comma <= 0 || comma == line.Length - 1)
                    throw new InvalidDataException($"{options.GroupsFile} line {number}: expected 'file,group'; got '{line}'.");
                map[line[..comma].Trim()] = line[(comma + 1)..].Trim();
            }
            return file =>
            {
                string relative = Path.GetRelativePath(root, file);
                return map.TryGetValue(relative, out var group) || map.TryGetValue(Path.GetFileName(file), out group) ? group
                    : throw new InvalidDataException($"{options.GroupsFile} has no group for {relative}.");
            };
        }
        return file => Path.GetRelativePath(root, file);
    }
}
