using Faces.Pipelines.Data.Loaders;
using Microsoft.ML;

namespace Faces.Pipelines.Data;

/// <summary>
/// Turns a <c>--data</c> value into a dataset: "synthetic" (the embedded generator), "fashion-mnist" (Debian's
/// package), a TFD .npz, a FER2013 .csv, a folder of IDX files, or a folder of class subfolders of images.
/// </summary>
public static class DataSources
{
    public const string Synthetic = "synthetic";
    public const string FashionMnist = "fashion-mnist";

    /// <summary>Loads <paramref name="spec"/>; <paramref name="split"/> seeds the generator and any split Faces makes.</summary>
    public static FaceDataset Load(MLContext ml, string spec, SplitOptions? split = null, SyntheticFaces.Options? synthetic = null, Detection.FaceDetector? faces = null)
    {
        split ??= new SplitOptions();
        int seed = split.Seed;
        if (string.Equals(spec, Synthetic, StringComparison.OrdinalIgnoreCase))
        {
            var generated = SyntheticFaces.Generate((synthetic ?? new SyntheticFaces.Options()) with { Seed = seed });
            return new FaceDataset(generated.Source, generated.ClassNames, generated.Shape, generated.Train, generated.Validation, generated.Test)
                { SplitMethod = $"generated, identities disjoint between splits, seed {seed}" };
        }
        if (string.Equals(spec, FashionMnist, StringComparison.OrdinalIgnoreCase))
            return IdxLoader.LoadFashionMnist(seed: seed);
        if (Directory.Exists(spec))
        {
            bool idx = Directory.GetFiles(spec).Any(f => Path.GetFileName(f).StartsWith("train-images-idx3-ubyte", StringComparison.Ordinal));
            return idx ? IdxLoader.LoadFashionMnist(spec, seed: seed) : ImageFolderLoader.Load(ml, spec, split: split, faces: faces);
        }
        if (!File.Exists(spec))
            throw new FileNotFoundException($"Data not found: {spec} (give a .npz, a .csv, a folder, '{Synthetic}' or '{FashionMnist}').", spec);
        return Path.GetExtension(spec).ToLowerInvariant() switch
        {
            ".npz" => TfdLoader.Load(spec),
            ".csv" => Fer2013Loader.Load(spec),
            var other => throw new InvalidDataException($"{spec}: '{other}' files are not a known dataset (.npz is TFD, .csv is FER2013)."),
        };
    }
}
