// Scores a face with a model exported by `faces export`, through ONNX Runtime alone.
//   dotnet run -- MODEL.onnx FACE.pgm
// FACE.pgm: a binary greyscale PGM (P5, maxval 255) of the model's input size (48x48 for Faces' models), the face
// already cropped, e.g. `convert face.jpg -colorspace Gray -resize 48x48! face.pgm`. Faces' input is pixels / 255.
using System.Text;
using Microsoft.ML.OnnxRuntime;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: OnnxScoring MODEL.onnx FACE.pgm");
    return 2;
}
try
{
    using var session = new InferenceSession(args[0]);
    var metadata = session.ModelMetadata.CustomMetadataMap;
    var shape = metadata["faces.input_shape"].Split(',').Select(int.Parse).ToArray();
    var classes = metadata["faces.class_names"].Split(',');
    var (width, height, pixels) = ReadPgm(args[1]);
    // A CNN records channels,height,width; the MLP and the mixture model only their vector length.
    bool fits = shape.Length == 3 ? shape[0] == 1 && shape[1] == height && shape[2] == width : shape.Length == 1 && shape[0] == width * height;
    if (!fits) throw new InvalidDataException($"{args[1]} is {width}x{height}; the model takes {string.Join('x', shape)} values.");

    var features = pixels.Select(p => p / 255f).ToArray();
    using var input = OrtValue.CreateTensorValueFromMemory(features, new long[] { 1, features.Length });
    using var outputs = session.Run(new RunOptions(), new[] { "Features" }, new[] { input }, new[] { "Score.output", "PredictedLabel.output" });
    var scores = outputs[0].GetTensorDataAsSpan<float>().ToArray();
    for (int c = 0; c < classes.Length; c++)
        Console.WriteLine($"{classes[c]}\t{scores[c].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
    Console.WriteLine($"predicted\t{outputs[1].GetStringElement(0)}");
    return 0;
}
catch (Exception e) when (e is IOException or InvalidDataException or OnnxRuntimeException or KeyNotFoundException or FormatException)
{
    Console.Error.WriteLine($"OnnxScoring: {e.Message}");
    return 2;
}

// P5: "P5", width, height, maxval (whitespace-separated, # comments), one whitespace byte, then the pixels.
static (int Width, int Height, byte[] Pixels) ReadPgm(string path)
{
    var bytes = File.ReadAllBytes(path);
    int position = 0;
    string Token()
    {
        while (position < bytes.Length && (char.IsWhiteSpace((char)bytes[position]) || bytes[position] == '#'))
            if (bytes[position] == '#') while (position < bytes.Length && bytes[position] != '\n') position++;
            else position++;
        int start = position;
        while (position < bytes.Length && !char.IsWhiteSpace((char)bytes[position])) position++;
        return Encoding.ASCII.GetString(bytes, start, position - start);
    }
    if (Token() != "P5") throw new InvalidDataException($"{path} is not a binary PGM (P5).");
    int width = int.Parse(Token()), height = int.Parse(Token()), max = int.Parse(Token());
    if (max != 255 || width < 1 || height < 1 || width > 4096 || height > 4096)
        throw new InvalidDataException($"{path}: a {width}x{height} PGM with maxval {max}; expected maxval 255 and at most 4096x4096.");
    position++;
    if (bytes.Length - position < width * height) throw new InvalidDataException($"{path} is truncated.");
    return (width, height, bytes.AsSpan(position, width * height).ToArray());
}
