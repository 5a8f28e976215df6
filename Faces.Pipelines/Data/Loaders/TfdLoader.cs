using Faces.Pipelines.Imaging;
using Faces.Pipelines.Data.Numpy;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// The Toronto Faces Dataset as the study used it: an .npz with inputs_train/valid/test (rows of 48x48 = 2304 pixels)
/// and target_train/valid/test (class indices 0..6, or one-hot rows). uint8 pixels are divided by 255 (the study's
/// only preprocessing), uint16 by 65535; float pixels are taken as they are; other dtypes are refused.
/// </summary>
public static class TfdLoader
{
    private static readonly (string Split, string Inputs, string Targets)[] Keys =
    {
        ("train", "inputs_train", "target_train"), ("valid", "inputs_valid", "target_valid"), ("test", "inputs_test", "target_test"),
    };

    public static FaceDataset Load(string path)
    {
        var arrays = NpzArchive.Read(path);
        var missing = Keys.SelectMany(k => new[] { k.Inputs, k.Targets }).Where(k => !arrays.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path}: missing key(s) {string.Join(", ", missing)}; a TFD .npz has " +
                                           $"{string.Join(", ", Keys.SelectMany(k => new[] { k.Inputs, k.Targets }))} (found: {string.Join(", ", arrays.Keys)}).");
        var shape = ImageShape.Faces48;
        var splits = Keys.Select(k => Split(path, k.Split, k.Inputs, arrays[k.Inputs], k.Targets, arrays[k.Targets], shape.Size)).ToArray();
        return new FaceDataset(path, FaceDataset.Emotions, shape, splits[0], splits[1], splits[2]);
    }

    /// <summary>
    /// What the pixels of each dtype are divided by: unsigned integers by their largest value (uint8 /255, uint16
    /// /65535), floats taken as they are. Signed and wider integers have no agreed pixel range and are refused.
    /// </summary>
    public static float PixelScale(string path, string key, string dtype) => (dtype[1], dtype[2..]) switch
    {
        ('u', "1") => byte.MaxValue,
        ('u', "2") => ushort.MaxValue,
        ('f', _) => 1,
        _ => throw new InvalidDataException($"{path}: '{key}' has dtype '{dtype}'; pixels must be uint8 (0..255), uint16 (0..65535) or float."),
    };

    private static FaceSplit Split(string path, string name, string inputKey, NpyArray inputs, string targetKey, NpyArray targets, int pixels)
    {
        if (inputs.Shape.Length != 2 || inputs.Shape[1] != pixels)
            throw new InvalidDataException($"{path}: '{inputKey}' has shape ({string.Join(", ", inputs.Shape)}); expected (N, {pixels}) for 48x48 images.");
        int rows = inputs.Shape[0];
        float scale = PixelScale(path, inputKey, inputs.DType);
        var features = scale == 1 ? inputs.Values : inputs.Values.Select(v => v / scale).ToArray();
        int bad = Array.FindIndex(features, v => !float.IsFinite(v));
        if (bad >= 0) throw new InvalidDataException($"{path}: '{inputKey}' row {bad / pixels} has a NaN or infinite pixel.");

        int[] labels;
        if (targets.Shape.Length == 1 || (targets.Shape.Length == 2 && targets.Shape[1] == 1))
        {
            labels = targets.Values.Select(v => (int)v).ToArray();
            int wrong = Array.FindIndex(targets.Values, v => v != MathF.Round(v) || v < 0 || v >= FaceDataset.Emotions.Count);
            if (wrong >= 0) throw new InvalidDataException($"{path}: '{targetKey}' row {wrong} is {targets.Values[wrong]}; class indices are 0..6.");
        }
        else if (targets.Shape.Length == 2 && targets.Shape[1] == FaceDataset.Emotions.Count)
        {
            labels = new int[targets.Shape[0]];
            for (int n = 0; n < labels.Length; n++)
            {
                var row = targets.Values.AsSpan(n * 7, 7);
                int ones = 0;
                for (int c = 0; c < 7; c++)
                {
                    if (row[c] == 1) { labels[n] = c; ones++; }
                    else if (row[c] != 0) ones = -100;
                }
                if (ones != 1) throw new InvalidDataException($"{path}: '{targetKey}' row {n} is not one-hot.");
            }
        }
        else
        {
            throw new InvalidDataException($"{path}: '{targetKey}' has shape ({string.Join(", ", targets.Shape)}); expected (N,) class indices or (N, 7) one-hot rows.");
        }
        if (labels.Length != rows)
            throw new InvalidDataException($"{path}: '{inputKey}' has {rows} rows but '{targetKey}' has {labels.Length}.");
        return new FaceSplit(name, features, labels, pixels);
    }
}
