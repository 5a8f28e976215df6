using Microsoft.ML;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// A folder of images with one subfolder per class (any size or colour → 48x48 grayscale through ImageAnalytics).
/// With train/, valid/ (or validation/) and test/ subfolders, each holding the class folders, those are the splits;
/// otherwise a seeded shuffle puts 80% in train, 10% in valid and 10% in test. Class folders named after the seven
/// expressions get TFD's label order; others are labelled in name order.
/// </summary>
public static class ImageFolderLoader
{
    public static FaceDataset Load(MLContext ml, string root, ImageShape? shape = null, int seed = 1)
    {
        shape ??= ImageShape.Faces48;
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        string? SplitFolder(params string[] names) => names.Select(n => Path.Combine(root, n)).FirstOrDefault(Directory.Exists);
        string? train = SplitFolder("train"), valid = SplitFolder("valid", "validation", "val"), test = SplitFolder("test");

        if (train != null)
        {
            if (valid == null || test == null)
                throw new InvalidDataException($"{root} has a train folder but no {(valid == null ? "valid" : "test")} folder; give all three splits or only class folders.");
            var folders = new[] { train, valid, test }.Select(Files).ToArray();
            var classes = ClassNames(root, folders.SelectMany(f => f.Keys).Distinct());
            var splits = new[] { "train", "valid", "test" }.Select((name, i) => Split(ml, name, folders[i], classes, shape)).ToArray();
            return new FaceDataset(root, classes, shape, splits[0], splits[1], splits[2]);
        }

        var files = Files(root);
        var names = ClassNames(root, files.Keys);
        var all = files.SelectMany(kv => kv.Value.Select(f => (File: f, Class: kv.Key))).OrderBy(x => x.File, StringComparer.Ordinal).ToArray();
        if (all.Length < 3) throw new InvalidDataException($"{root} has {all.Length} images; at least 3 are needed for train, valid and test.");
        new Random(seed).Shuffle(all);
        int validCount = Math.Max(1, all.Length / 10), testCount = Math.Max(1, all.Length / 10);
        var groups = new[]
        {
            ("train", all[(validCount + testCount)..]), ("valid", all[..validCount]), ("test", all[validCount..(validCount + testCount)]),
        };
        var made = groups.Select(g => Split(ml, g.Item1,
            g.Item2.GroupBy(x => x.Class).ToDictionary(x => x.Key, x => x.Select(y => y.File).ToList()), names, shape)).ToArray();
        return new FaceDataset(root, names, shape, made[0], made[1], made[2]);
    }

    /// <summary>Image files per class subfolder; an empty class folder is an error.</summary>
    private static Dictionary<string, List<string>> Files(string folder)
    {
        var classes = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (classes.Count == 0) throw new InvalidDataException($"{folder} has no class subfolders (expected one folder of images per class).");
        var result = new Dictionary<string, List<string>>();
        foreach (var dir in classes)
        {
            var images = Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.'))
                .OrderBy(f => f, StringComparer.Ordinal).ToList();
            if (images.Count == 0) throw new InvalidDataException($"Class folder {dir} is empty.");
            result[Path.GetFileName(dir)] = images;
        }
        return result;
    }

    private static IReadOnlyList<string> ClassNames(string root, IEnumerable<string> folders)
    {
        var names = folders.Distinct().ToList();
        if (names.Count < 2) throw new InvalidDataException($"{root} has {names.Count} class folder(s); classification needs at least two.");
        if (names.All(n => FaceDataset.Emotions.Contains(n.ToLowerInvariant()))) return FaceDataset.Emotions;
        return names.OrderBy(n => n, StringComparer.Ordinal).ToList();
    }

    private static FaceSplit Split(MLContext ml, string name, Dictionary<string, List<string>> files, IReadOnlyList<string> classes, ImageShape shape)
    {
        var paths = new List<string>();
        var labels = new List<int>();
        foreach (var (folder, list) in files.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            int label = classes.Select((c, i) => (c, i)).First(x => string.Equals(x.c, folder, StringComparison.OrdinalIgnoreCase)).i;
            paths.AddRange(list);
            labels.AddRange(Enumerable.Repeat(label, list.Count));
        }
        return new FaceSplit(name, ImagePixels.Load(ml, paths, shape), labels.ToArray(), shape.Size);
    }
}
