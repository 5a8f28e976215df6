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
    public static string Of(FaceSplit split)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(BitConverter.GetBytes(split.Dimension));
        hash.AppendData(BitConverter.GetBytes(split.Count));
        foreach (var label in split.Labels) hash.AppendData(BitConverter.GetBytes(label));
        hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(split.Features.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The fingerprint of the whole dataset: class names and the three splits' fingerprints.</summary>
    public static string Of(FaceDataset data) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", data.ClassNames.Concat(data.Splits.Select(Of))))));

    /// <summary>The first 12 hex digits, for people.</summary>
    public static string Short(string fingerprint) => fingerprint.Length > 12 ? fingerprint[..12] : fingerprint;
}
