using System.Security.Cryptography;
using System.Text;

namespace Faces.Pipelines.Data;

/// <summary>
/// SHA-256 of what a model sees of a dataset: each split's labels and pixel values, and the class names. Two loads of
/// the same files with the same split give the same fingerprints; any other data, split or class order does not.
/// </summary>
public static class DataFingerprint
{
    /// <summary>The fingerprint of one split (hex).</summary>
    public static string Of(FaceSplit split) => Of(split, split.Count);

    /// <summary>
    /// The fingerprint of the split's first <paramref name="rows"/> rows, as if they were the whole split: a training
    /// split that the validation rows joined (<see cref="FaceDataset.WithValidationInTraining"/>) keeps the fingerprint
    /// of the split as loaded.
    /// </summary>
    public static string Of(FaceSplit split, int rows)
    {
        if (rows < 0 || rows > split.Count) throw new ArgumentOutOfRangeException(nameof(rows), $"{split.Name} has {split.Count} rows; asked for the first {rows}.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(split.Dimension));
        hash.AppendData(BitConverter.GetBytes(rows));
        foreach (var label in split.Labels.AsSpan(0, Math.Min(rows, split.Labels.Length))) hash.AppendData(BitConverter.GetBytes(label));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(split.Features.AsSpan(0, rows * split.Dimension)));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The fingerprint of each split as loaded, by role (train, valid, test).</summary>
    public static Dictionary<string, string> OfSplits(FaceDataset data) => data.Roles.ToDictionary(r => r.Role, r => OfLoaded(data, r.Split));

    private static string OfLoaded(FaceDataset data, FaceSplit split) => split == data.Train ? Of(split, data.LoadedTrainRows) : Of(split);

    /// <summary>The fingerprint of the whole dataset as loaded: class names and the three splits' fingerprints.</summary>
    public static string Of(FaceDataset data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", data.ClassNames.Concat(data.Splits.Select(s => OfLoaded(data, s)))))));

    /// <summary>The first 12 hex digits, for people.</summary>
    public static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] : fingerprint;
}
