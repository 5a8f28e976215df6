// A Faces consumer: trains the study's CNN on a folder of face images (one subfolder per expression) through an
// ML.NET image pipeline, evaluates it, saves the .zip; then, in any later process, loads it and predicts.
//
//   dotnet run -- train FOLDER model.zip     (prints the test accuracy and one prediction per test image)
//   dotnet run -- predict model.zip IMAGE…   (prints one prediction per image)
using Faces.MLNet;
using Faces.MLNet.Networks;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

var ml = new MLContext(seed: 1);
switch (args)
{
    case ["train", var folder, var modelPath]:
    {
        var images = Directory.GetDirectories(folder)
            .SelectMany(d => Directory.GetFiles(d).Select(f => new ImageRow { Path = Path.GetFullPath(f), Label = Path.GetFileName(d) }))
            .OrderBy(r => r.Path, StringComparer.Ordinal).ToList();
        var split = ml.Data.TrainTestSplit(ml.Data.LoadFromEnumerable(images), testFraction: 0.25, seed: 1);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(ImageRow.Path)))
            .Append(ml.Transforms.ResizeImages("Image", 48, 48))
            .Append(ml.Transforms.ConvertToGrayscale("Image"))
            .Append(ml.Transforms.ExtractPixels("Features", "Image", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
            {
                // The study's best training recipe (eps 0.01, momentum 0.9), shortened for a small folder.
                Training = TrainingOptions.BestForCnn with { Epochs = 8, EarlyStoppingPatience = 0, BatchSize = 10 },
                Architecture = new CnnArchitecture { Filters1 = 4, Filters2 = 8 },
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);
        Console.WriteLine($"test accuracy {ml.MulticlassClassification.Evaluate(scored).MicroAccuracy:F3}");
        ml.Model.Save(model, split.TrainSet.Schema, modelPath);
        var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(model);
        foreach (var path in split.TestSet.GetColumn<string>(nameof(ImageRow.Path)))
            Console.WriteLine(engine.Predict(new ImageRow { Path = path }).Describe(path));
        return 0;
    }
    case ["predict", var modelPath, .. var paths]:
    {
        var model = ml.Model.Load(modelPath, out _);
        var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(model);
        foreach (var path in paths)
            Console.WriteLine(engine.Predict(new ImageRow { Path = Path.GetFullPath(path) }).Describe(Path.GetFullPath(path)));
        return 0;
    }
    default:
        Console.Error.WriteLine("usage: FacesConsole train FOLDER model.zip | FacesConsole predict model.zip IMAGE...");
        return 2;
}

internal sealed class ImageRow
{
    public string Path { get; set; } = "";
    public string Label { get; set; } = "";
}

internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = Array.Empty<float>();

    public string Describe(string path) => $"{path}\t{PredictedLabel}\t{string.Join(" ", Score.Select(s => s.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}";
}
