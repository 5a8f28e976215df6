using Faces.Pipelines.Imaging;
using System.Globalization;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// FER2013's CSV: a header with emotion, pixels, Usage; emotion 0..6 in the same order as TFD's; pixels 2304
/// space-separated 0..255 values (divided by 255); Usage Training → train, PublicTest → valid, PrivateTest → test.
/// </summary>
public static class Fer2013Loader
{
    public static FaceDataset Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file not found: {path}", path);
        using var lines = TextLines.Read(path).GetEnumerator();
        if (!lines.MoveNext()) throw new InvalidDataException($"{path} is empty; FER2013 needs a header 'emotion,pixels,Usage'.");
        string header = lines.Current.Text;
        var columns = header.Split(',').Select(c => c.Trim()).ToList();
        int emotionColumn = Column(columns, "emotion", path), pixelsColumn = Column(columns, "pixels", path), usageColumn = Column(columns, "Usage", path);
        int size = ImageShape.Faces48.Size;
        var features = new Dictionary<string, List<float>> { ["train"] = new(), ["valid"] = new(), ["test"] = new() };
        var labels = new Dictionary<string, List<int>> { ["train"] = new(), ["valid"] = new(), ["test"] = new() };

        while (lines.MoveNext())
        {
            var (lineNumber, line) = lines.Current;
            if (line.Trim().Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length != columns.Count)
                throw new InvalidDataException($"{path} line {lineNumber}: {fields.Length} fields; the header has {columns.Count}.");
            if (!int.TryParse(fields[emotionColumn], NumberStyles.Integer, CultureInfo.InvariantCulture, out int emotion) || emotion < 0 || emotion > 6)
                throw new InvalidDataException($"{path} line {lineNumber}: emotion '{fields[emotionColumn]}' is not 0..6.");
            string split = fields[usageColumn].Trim() switch
            {
                "Training" => "train",
                "PublicTest" => "valid",
                "PrivateTest" => "test",
                var other => throw new InvalidDataException($"{path} line {lineNumber}: Usage '{other}' is not Training, PublicTest or PrivateTest."),
            };
            var pixels = fields[pixelsColumn].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (pixels.Length != size)
                throw new InvalidDataException($"{path} line {lineNumber}: {pixels.Length} pixels; 48x48 images need {size}.");
            foreach (var p in pixels)
            {
                if (!int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < 0 || value > 255)
                    throw new InvalidDataException($"{path} line {lineNumber}: pixel '{p}' is not 0..255.");
                features[split].Add(value / 255f);
            }
            labels[split].Add(emotion);
        }
        var empty = labels.Where(kv => kv.Value.Count == 0).Select(kv => kv.Key).ToList();
        if (empty.Count > 0) throw new InvalidDataException($"{path}: no rows for split(s) {string.Join(", ", empty)} (Usage Training, PublicTest, PrivateTest).");
        FaceSplit Make(string name) => new(name, features[name].ToArray(), labels[name].ToArray(), size);
        return new FaceDataset(path, FaceDataset.Emotions, ImageShape.Faces48, Make("train"), Make("valid"), Make("test"));
    }

    private static int Column(List<string> columns, string name, string path)
    {
        int index = columns.FindIndex(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
        if (index < 0) throw new InvalidDataException($"{path}: no '{name}' column; FER2013's header is 'emotion,pixels,Usage' (found '{string.Join(",", columns)}').");
        return index;
    }
}
