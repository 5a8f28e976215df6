using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;

namespace Faces.Pipelines.Training;

/// <summary>
/// Where a model came from, saved inside its .zip (entry <see cref="EntryName"/>): the data source and its
/// fingerprints, the classes, how the data was split and with which seed, the training seed, normalisation and
/// settings, and the metrics measured right after training. <c>faces info --model</c> and <c>faces evaluate</c> show it.
/// </summary>
public sealed record ModelProvenance
{
    public const string EntryName = "FacesProvenance.v1.json";
    // A null where the record has no nullable field (say "Metrics": null) is a damaged entry, not a crash later on.
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() }, RespectNullableAnnotations = true };

    public string FacesVersion { get; init; } = "";
    public string Model { get; init; } = "";
    public string DataSource { get; init; } = "";
    public string DataFingerprint { get; init; } = "";
    public Dictionary<string, string> SplitFingerprints { get; init; } = new();
    public Dictionary<string, int> SplitRows { get; init; } = new();
    public IReadOnlyList<string> ClassNames { get; init; } = Array.Empty<string>();
    public string SplitMethod { get; init; } = "";
    /// <summary>Whether the validation rows were trained on too (<see cref="TrainSettings.TrainOnValidation"/>); the fingerprints and rows are the splits' as loaded.</summary>
    public bool TrainedOnValidation { get; init; }
    public int SplitSeed { get; init; }
    public string? GroupBy { get; init; }
    public string? GroupsFile { get; init; }
    public int TrainingSeed { get; init; }
    public string Normalization { get; init; } = "";
    public JsonElement Settings { get; init; }
    public Dictionary<string, SplitSummary> Metrics { get; init; } = new();
    public double TrainSeconds { get; init; }
    /// <summary>The command line that trained the model (<c>faces train …</c>); empty for a model trained through the library.</summary>
    public string Command { get; init; } = "";

    /// <summary>One split's headline numbers.</summary>
    public sealed record SplitSummary(double MicroAccuracy, double MacroAccuracy, double LogLoss, double UncertainFraction);

    /// <summary>The split the model's data was divided with: what <c>evaluate</c> reuses unless told otherwise.</summary>
    [JsonIgnore]
    public SplitOptions Split => new() { Seed = SplitSeed, GroupBy = GroupBy, GroupsFile = GroupsFile };

    public static ModelProvenance Create(FaceDataset data, SplitOptions split, TrainSettings settings, TrainedModel trained, IEnumerable<SplitMetrics> metrics) => new()
    {
        FacesVersion = typeof(ModelProvenance).Assembly.GetName().Version?.ToString() ?? "",
        Model = settings.Model.ToString(),
        DataSource = data.Source,
        DataFingerprint = Data.DataFingerprint.Of(data),
        SplitFingerprints = Data.DataFingerprint.OfSplits(data),
        SplitRows = data.Roles.ToDictionary(r => r.Role, r => r.Split == data.Train ? data.LoadedTrainRows : r.Split.Count),
        TrainedOnValidation = data.ValidationInTraining,
        ClassNames = data.ClassNames.ToList(),
        SplitMethod = data.SplitMethod,
        SplitSeed = split.Seed,
        GroupBy = split.GroupBy,
        GroupsFile = split.GroupsFile,
        TrainingSeed = settings.Seed,
        Normalization = settings.Normalization.ToString(),
        // Only the records this kind of model uses.
        Settings = settings.Model == ModelKind.Mog
            ? JsonSerializer.SerializeToElement(new { settings.Model, settings.Normalization, settings.Mixture }, Json)
            : JsonSerializer.SerializeToElement(new { settings.Model, settings.Normalization, Training = settings.NetworkTraining, settings.Architecture }, Json),
        Metrics = metrics.ToDictionary(m => m.Split, m => new SplitSummary(m.MicroAccuracy, m.MacroAccuracy, m.LogLoss, m.UncertainFraction)),
        TrainSeconds = trained.TrainSeconds,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Adds the provenance to a saved model .zip.</summary>
    public void AddTo(string zipPath)
    {
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Update);
        zip.GetEntry(EntryName)?.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(EntryName).Open());
        writer.Write(ToJson());
    }

    /// <summary>The provenance in a model .zip, or null for a model saved without one (by ML.NET directly, or an older Faces).</summary>
    public static ModelProvenance? Read(string zipPath)
    {
        using var zip = VerifiedZip.Open(zipPath, "a model .zip");
        var entry = zip.GetEntry(EntryName);
        if (entry == null) return null;
        try
        {
            return JsonSerializer.Deserialize<ModelProvenance>(VerifiedZip.ReadEntry(entry, zipPath), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{zipPath}: its provenance entry is damaged: {e.Message}", e);
        }
    }

    /// <summary>A few lines for people.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"Model       {Model}, trained in {TrainSeconds:F1} s (Faces {FacesVersion})";
        if (Command.Length > 0) yield return $"Command     {Command}";
        yield return $"Data        {DataSource} (fingerprint {Data.DataFingerprint.Short(DataFingerprint)}), classes {string.Join(", ", ClassNames)}";
        yield return $"Split       {SplitMethod}; rows train {Rows("train")} / valid {Rows("valid")} / test {Rows("test")}";
        yield return $"Seeds       split {SplitSeed}, training {TrainingSeed}; normalisation {Normalization}";
        foreach (var (split, m) in Metrics)
            yield return $"Metrics     {split}: micro acc {m.MicroAccuracy:F3}, macro acc {m.MacroAccuracy:F3}, log-loss {m.LogLoss:F3}, uncertain {m.UncertainFraction:F3}";
        yield return $"Settings    {Settings.GetRawText().Replace("\n", " ", StringComparison.Ordinal).Replace("  ", "", StringComparison.Ordinal)}";
    }

    private string Rows(string split) => SplitRows.TryGetValue(split, out int n) ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?";
}
