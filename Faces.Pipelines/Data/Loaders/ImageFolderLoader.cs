using Faces.Pipelines.Imaging;
using Microsoft.ML;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// A folder of images with one subfolder per class (any size or colour → 48x48 grayscale through ImageAnalytics).
/// With train/, valid/ (or validation/) and test/ subfolders, each holding the class folders, those are the splits;
/// otherwise Faces splits them (80/10/10 by default, see below). Class folders named after the seven
/// expressions (<see cref="EmotionNames"/>: FER2013's <c>angry</c> is anger) get TFD's label order; others are labelled in name order. Without split folders the split is
/// stratified by class, or grouped by person (<see cref="SplitOptions"/>), and the manifest says where each file went.
/// </summary>
public static class ImageFolderLoader
{
    /// <summary>
    /// Reads the folder. With a <paramref name="faces"/> detector each photo's largest face is cropped (with the
    /// detector's margin) and resized instead of the whole image; photos where no face is found are left out, and a
    /// warning names them.
    /// </summary>
    public static FaceDataset Load(MLContext ml, string root, ImageShape? shape = null, SplitOptions? split = null, Detection.FaceDetector? faces = null)
    {
        shape ??= ImageShape.Faces48;
        split ??= new SplitOptions();
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        var cropped = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var faceless = new List<string>();
        bool Keep(string file)
        {
            if (faces == null) return true;
            using var gray = Detection.FaceDetector.ReadGray(file);
            var found = faces.Detect(gray);
            if (found.Count == 0)
            {
                faceless.Add(Path.GetRelativePath(root, file));
                return false;
            }
            cropped[file] = Detection.FaceDetector.FacePixels(gray, found[0], shape.Width, shape.Height);
            return true;
        }
        var group = SplitPlanner.Groups(root, split);
        string? SplitFolder(params string[] names) => names.Select(n => Path.Combine(root, n)).FirstOrDefault(Directory.Exists);
        string? train = SplitFolder("train"), valid = SplitFolder("valid", "validation", "val"), test = SplitFolder("test");

        IReadOnlyList<string> classes;
        List<(string File, int Class, string Group, string Split)> rows;
        var warnings = new List<string>();
        string method;
        if (train != null)
        {
            if (valid == null || test == null)
                throw new InvalidDataException($"{root} has a train folder but no {(valid == null ? "valid" : "test")} folder; give all three splits or only class folders.");
            var folders = new[] { train, valid, test }.Select(Files).ToArray();
            classes = ClassNames(root, folders.SelectMany(f => f.Keys).Distinct());
            rows = new[] { "train", "valid", "test" }.SelectMany((name, i) => folders[i]
                .SelectMany(kv => kv.Value.Where(Keep).Select(f => (f, ClassIndex(classes, kv.Key), group(f), name)))).ToList();
            method = "given by the train/valid/test folders";
        }
        else
        {
            var files = Files(root);
            classes = ClassNames(root, files.Keys);
            var items = files.SelectMany(kv => kv.Value.Where(Keep).Select(f => new SplitPlanner.Item(f, ClassIndex(classes, kv.Key), group(f))))
                .OrderBy(x => x.File, StringComparer.Ordinal).ToList();
            if (items.Count < 3) throw new InvalidDataException($"{root} has {items.Count} images; at least 3 are needed for train, valid and test.");
            var (assigned, planWarnings) = SplitPlanner.Plan(items, classes, split);
            warnings.AddRange(planWarnings);
            rows = items.Select((x, i) => (x.File, x.Class, x.Group, assigned[i])).ToList();
            method = $"{split.Describe()}, seed {split.Seed}, valid {split.ValidationFraction:P0} / test {split.TestFraction:P0}";
        }

        if (faceless.Count > 0)
            warnings.Add($"no face found in {faceless.Count} image(s), left out: {string.Join(", ", faceless.Take(5))}{(faceless.Count > 5 ? ", …" : "")}.");
        if (faces != null) method += "; the largest face of each photo, found by the Haar cascade";
        // Split order, then class, then file: the manifest lists the rows in the order the splits hold them.
        rows = rows.OrderBy(r => Array.IndexOf(SplitNames, r.Split)).ThenBy(r => r.Class).ThenBy(r => r.File, StringComparer.Ordinal).ToList();
        var manifest = new SplitManifest(rows.Select(r => new SplitManifest.Row(Path.GetRelativePath(root, r.File), classes[r.Class], r.Group, r.Split)).ToList());
        if (split.GroupBy != null || split.GroupsFile != null)
        {
            var shared = manifest.SharedGroups();
            if (shared.Count > 0)
                warnings.Add($"{shared.Count} group(s) appear in more than one split, so test images have near-duplicates in training: {string.Join("; ", shared.Take(5))}{(shared.Count > 5 ? "; …" : "")}.");
        }
        foreach (var name in SplitNames)
            if (rows.All(r => r.Split != name)) throw new InvalidDataException($"{root}: the {name} split is empty; give more images or classes.");
        var made = SplitNames.Select(name =>
        {
            var part = rows.Where(r => r.Split == name).ToList();
            var pixels = faces != null ? part.SelectMany(r => cropped[r.File]).ToArray() : ImagePixels.Load(part.Select(r => r.File).ToList(), shape);
            return new FaceSplit(name, pixels, part.Select(r => r.Class).ToArray(), shape.Size);
        }).ToArray();
        return new FaceDataset(root, classes, shape, made[0], made[1], made[2]) { Manifest = manifest, SplitMethod = method, Warnings = warnings };
    }

    private static readonly string[] SplitNames = { "train", "valid", "test" };

    private static int ClassIndex(IReadOnlyList<string> classes, string folder)
    {
        string name = ReferenceEquals(classes, FaceDataset.Emotions) ? EmotionNames.Canonical(folder)! : folder;
        return classes.Select((c, i) => (c, i)).First(x => string.Equals(x.c, name, StringComparison.OrdinalIgnoreCase)).i;
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
        // Folders that all name expressions (in any of their usual spellings, one folder each) get TFD's label order.
        var canonical = names.Select(EmotionNames.Canonical).ToList();
        if (canonical.All(c => c != null) && canonical.Distinct().Count() == names.Count) return FaceDataset.Emotions;
        return names.OrderBy(n => n, StringComparer.Ordinal).ToList();
    }
}
