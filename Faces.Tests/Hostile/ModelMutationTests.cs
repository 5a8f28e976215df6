using Faces.Torch.Training;
using Faces.Torch.Models;
using System.IO.Compression;
using System.Text;
using CsCheck;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Pipelines.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Hostile;

/// <summary>
/// Saved Faces models, damaged: a damaged file either loads and scores exactly as the original, or is an error naming
/// the file — never a model that scores differently. Two kinds of damage: bytes of the .zip (caught by the CRC-32
/// check), and bytes of a Faces entry rewritten with a valid CRC (caught by the component's own SHA-256).
/// </summary>
public sealed class ModelMutationTests : IDisposable
{
    private const int Width = 6;
    private const int Iterations = 250;
    // ML.NET's loader allocates several MB of its own for any model; a forged size field would cost far more.
    private const long LoaderAllowance = 64 << 20;
    private readonly string folder = Directory.CreateTempSubdirectory("faces-model-mutations-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private sealed class Row
    {
        public string Label { get; set; } = "";
        [VectorType(Width)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private static List<Row> Rows(int count, int seed)
    {
        var random = new Random(seed);
        string[] names = { "anger", "happy", "sad" };
        return Enumerable.Range(0, count).Select(n => new Row
        {
            Label = names[n % 3],
            Features = Enumerable.Range(0, Width).Select(d => (float)((d % 3 == n % 3 ? 2 : 0) + random.NextDouble())).ToArray(),
        }).ToList();
    }

    public static TheoryData<string> Kinds => new() { "mog", "mlp", "mixture" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Damaged_model_files_load_identically_or_fail_naming_the_file(string kind)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Rows(90, 1));
        var test = ml.Data.LoadFromEnumerable(Rows(12, 2));
        var key = ml.Transforms.Conversion.MapValueToKey("Label");
        IEstimator<ITransformer> pipeline = kind switch
        {
            "mog" => key.Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options { Mixture = new() { Components = 2, MaxIterations = 3 } })),
            "mlp" => key.Append(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { Epochs = 2, BatchSize = 10 }, Architecture = new MlpArchitecture { Hidden = new[] { 4 } } })),
            _ => ml.Transforms.GaussianMixture("Features", components: 2),
        };
        string column = kind == "mixture" ? "Responsibilities" : "Score";
        var model = pipeline.Fit(train);
        string source = Path.Combine(folder, "valid.zip");
        ModelFiles.Save(ml, model, train.Schema, source);
        var expected = Scores(model, test, column);
        var valid = File.ReadAllBytes(source);
        string path = Path.Combine(folder, "damaged.zip");

        void Check(byte[] bytes, Mutation mutation)
        {
            File.WriteAllBytes(path, bytes);
            var loaded = Outcome.SucceedsOrNamesTheFile(() => ModelFiles.Load(ml, path, out _), path, bytes.Length, mutation, LoaderAllowance);
            if (loaded != null)
                Assert.True(Scores(loaded, test, column).Zip(expected).All(p => p.First.SequenceEqual(p.Second)), $"{mutation}: the damaged model scores differently");
        }

        Mutation.Gen(valid.Length).Sample(mutation => Check(mutation.Apply(valid), mutation), iter: Iterations, threads: 1);

        // An entry name written twice (each copy with a valid CRC): which copy a reader takes is undefined, so the
        // file is refused by name, whichever entry is repeated.
        foreach (var repeated in EntryNames(valid))
        {
            File.WriteAllBytes(path, WithRepeatedEntry(valid, repeated));
            var error = Assert.Throws<InvalidDataException>(() => ModelFiles.Load(ml, path, out _));
            Assert.Contains(path, error.Message);
            Assert.Contains($"'{repeated}' appears more than once", error.Message);
        }

        // The Faces entry, damaged and re-zipped with a correct CRC. Through ModelFiles the checksum list names the
        // entry; through ML.NET's own Model.Load (a library user's path, no list checked) the component's SHA-256 must.
        var (entryName, payload) = FacesEntry(valid);
        Mutation.Flips(payload.Length).Sample(mutation =>
        {
            var damaged = Rezip(valid, entryName, mutation.Apply(payload));
            Check(damaged, mutation);
            ITransformer loaded;
            try
            {
                loaded = ml.Model.Load(new MemoryStream(damaged), out _);
            }
            catch (Exception)
            {
                return; // refused: what matters is that it is never used with different parameters
            }
            Assert.True(Scores(loaded, test, column).Zip(expected).All(p => p.First.SequenceEqual(p.Second)), $"{mutation}: ML.NET loaded a damaged Faces entry that scores differently");
        }, iter: Iterations / 2, threads: 1);
    }

    private static List<float[]> Scores(ITransformer model, IDataView data, string column) =>
        model.Transform(data).GetColumn<float[]>(column).ToList();

    /// <summary>The entry holding the Faces component (its model signature starts with "FACES").</summary>
    private static (string Name, byte[] Bytes) FacesEntry(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            if (Encoding.ASCII.GetString(bytes).Contains("FACES")) return (entry.FullName, bytes);
        }
        throw new InvalidOperationException("No Faces entry in the model.");
    }

    private static List<string> EntryNames(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    /// <summary>The .zip with a second copy of entry <paramref name="name"/> appended (as Python's zipfile in mode 'a' writes it).</summary>
    internal static byte[] WithRepeatedEntry(byte[] zipBytes, string name)
    {
        var copy = new MemoryStream();
        copy.Write(zipBytes);
        using (var zip = new ZipArchive(copy, ZipArchiveMode.Update, leaveOpen: true))
        {
            byte[] content;
            using (var original = zip.GetEntry(name)!.Open())
            using (var buffer = new MemoryStream())
            {
                original.CopyTo(buffer);
                content = buffer.ToArray();
            }
            using var added = zip.CreateEntry(name).Open();
            added.Write(content);
        }
        return copy.ToArray();
    }

    private static byte[] Rezip(byte[] zipBytes, string entryName, byte[] replacement)
    {
        var buffer = new MemoryStream();
        buffer.Write(zipBytes);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            zip.GetEntry(entryName)!.Delete();
            using var stream = zip.CreateEntry(entryName).Open();
            stream.Write(replacement);
        }
        return buffer.ToArray();
    }
}
