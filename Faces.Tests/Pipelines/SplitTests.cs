using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Evaluation;
using Microsoft.ML;
using SkiaSharp;

namespace Faces.Tests.Pipelines;

/// <summary>Splits of a folder of photos with several images of each person: stratified, grouped, seeded, listed.</summary>
public sealed class SplitTests : IDisposable
{
    private static readonly string[] Classes = { "anger", "happy", "sad" };
    private const int People = 10, PerPerson = 2;
    private readonly string root = Directory.CreateTempSubdirectory("faces-splits-").FullName;

    public SplitTests()
    {
        // Every person shows every expression, PerPerson times: a per-image split would put them in several splits.
        for (int c = 0; c < Classes.Length; c++)
        {
            string folder = Path.Combine(root, Classes[c]);
            Directory.CreateDirectory(folder);
            for (int p = 0; p < People; p++)
            for (int n = 0; n < PerPerson; n++)
            {
                using var bitmap = new SKBitmap(24, 24, SKColorType.Gray8, SKAlphaType.Opaque);
                bitmap.Erase(new SKColor((byte)(40 * c + p), (byte)(40 * c + p), (byte)(40 * c + p)));
                using var file = File.Create(Path.Combine(folder, $"s{p:D2}_{c}{n}.png"));
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            }
        }
    }

    public void Dispose() => Directory.Delete(root, true);

    [Fact]
    public void A_grouped_split_never_puts_a_person_in_two_splits_and_the_manifest_lists_every_file()
    {
        var data = ImageFolderLoader.Load(new MLContext(1), root, split: new SplitOptions { GroupBy = @"^(s\d+)_", Seed = 4 });
        var manifest = data.Manifest!;
        Assert.Equal(Classes.Length * People * PerPerson, manifest.Rows.Count);
        Assert.Empty(manifest.SharedGroups());
        foreach (var person in manifest.Rows.GroupBy(r => r.Group))
            Assert.Single(person.Select(r => r.Split).Distinct());
        Assert.Equal(People, manifest.Rows.Select(r => r.Group).Distinct().Count());

        // The manifest is the files themselves, in the order each split holds its rows, with the right class.
        var files = Directory.GetFiles(root, "*.png", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order().ToList();
        Assert.Equal(files, manifest.Rows.Select(r => r.File).Order().ToList());
        foreach (var split in data.Splits)
        {
            var rows = manifest.Of(split.Name).ToList();
            Assert.Equal(split.Count, rows.Count);
            for (int n = 0; n < rows.Count; n++)
            {
                Assert.Equal(rows[n].Class, data.ClassNames[split.Labels[n]]);
                Assert.Equal(rows[n].Class, Path.GetDirectoryName(rows[n].File));
            }
        }
        Assert.Contains("grouped", data.SplitMethod);
    }

    [Fact]
    public void A_stratified_split_keeps_class_proportions_and_depends_only_on_the_split_seed()
    {
        var ml = new MLContext(1);
        var data = ImageFolderLoader.Load(ml, root, split: new SplitOptions { Seed = 7 });
        // 20 images a class: 16 train, 2 valid and 2 test each.
        var present = Classes.Select(c => data.ClassNames.ToList().IndexOf(c)).ToArray();
        foreach (var (split, expected) in data.Splits.Zip(new[] { 16, 2, 2 }))
            Assert.Equal(present.Select(_ => expected), present.Select(c => split.ClassCounts(data.ClassNames.Count)[c]));

        // The split seed alone decides the split: a different MLContext (training) seed changes nothing.
        var again = ImageFolderLoader.Load(new MLContext(99), root, split: new SplitOptions { Seed = 7 });
        Assert.Equal(data.Manifest!.ToCsv(), again.Manifest!.ToCsv());
        Assert.Equal(DataFingerprint.Of(data), DataFingerprint.Of(again));
        var other = ImageFolderLoader.Load(ml, root, split: new SplitOptions { Seed = 8 });
        Assert.NotEqual(data.Manifest.ToCsv(), other.Manifest!.ToCsv());
        Assert.NotEqual(DataFingerprint.Of(data), DataFingerprint.Of(other));
        // Per image, without groups, a person does land in several splits: the warning case the grouped split avoids.
        Assert.NotEmpty(new SplitManifest(data.Manifest.Rows.Select(r => r with { Group = r.File[(r.File.IndexOf('/') + 1)..][..3] }).ToList()).SharedGroups());
    }

    [Fact]
    public void Too_few_people_for_a_split_is_a_warning_naming_the_class()
    {
        string small = Path.Combine(root, "..", Path.GetFileName(root) + "-small");
        foreach (var c in Classes.Take(2))
        {
            Directory.CreateDirectory(Path.Combine(small, c));
            foreach (var f in Directory.GetFiles(Path.Combine(root, c)).Where(f => Path.GetFileName(f).StartsWith("s00_") || Path.GetFileName(f).StartsWith("s01_")))
                File.Copy(f, Path.Combine(small, c, Path.GetFileName(f)));
        }
        try
        {
            var error = Assert.ThrowsAny<Exception>(() => ImageFolderLoader.Load(new MLContext(1), small, split: new SplitOptions { GroupBy = @"^(s\d+)_" }));
            Assert.Contains("split is empty", error.Message);
            var (_, warnings) = SplitPlanner.Plan(new[] { new SplitPlanner.Item("a.png", 0, "a"), new SplitPlanner.Item("b.png", 1, "b") },
                new[] { "anger", "happy" }, new SplitOptions());
            Assert.Contains(warnings, w => w.Contains("'anger'") && w.Contains("at least 3"));
        }
        finally
        {
            Directory.Delete(small, true);
        }
    }

    [Fact]
    public void The_misclassified_list_is_exactly_the_rows_predicted_wrongly()
    {
        var metrics = ModelEvaluator.FromScores(new MLContext(1), "test", new[] { 0, 0, 1, 2, 1 },
            new[] { new[] { 0.8f, 0.1f, 0.1f }, new[] { 0.3f, 0.6f, 0.1f }, new[] { 0.2f, 0.7f, 0.1f }, new[] { 0.4f, 0.35f, 0.25f }, new[] { 0.1f, 0.2f, 0.7f } }, Classes);
        var wrong = metrics.Misclassified();
        Assert.Equal(new[] { 1, 3, 4 }, wrong.Select(o => o.Row));
        Assert.Equal(new[] { (0, 1), (2, 0), (1, 2) }, wrong.Select(o => (o.True, o.Predicted)));
        Assert.Equal(new[] { 0.6f, 0.4f, 0.7f }, wrong.Select(o => o.Probability));
        Assert.Equal(new[] { 3, 1, 2 }, metrics.MostUncertain(3).Select(o => o.Row));
    }
}
