using Faces.Torch.Training;
using Faces.MLNet;
using Faces.MLNet.Networks;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using SkiaSharp;

namespace Faces.Tests.Networks;

public sealed class ImagePipelineTests
{
    private sealed class ImageRow
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>
    /// Writes PNGs into one subfolder per class: "happy" has a bright disc low in the frame, "surprise" one high up.
    /// Sizes, aspect ratios and colours vary, so the pipeline's resize and grayscale steps have work to do.
    /// </summary>
    private static List<ImageRow> WriteImages(string root, int perClass, int seed)
    {
        var random = new Random(seed);
        var rows = new List<ImageRow>();
        (int W, int H)[] sizes = { (48, 48), (64, 64), (100, 100), (37, 37) };
        foreach (var (label, centreY) in new[] { ("happy", 0.72f), ("surprise", 0.28f) })
        {
            string folder = System.IO.Path.Combine(root, label);
            Directory.CreateDirectory(folder);
            for (int i = 0; i < perClass; i++)
            {
                var (w, h) = sizes[i % sizes.Length];
                bool colour = i % 3 == 0;
                using var bitmap = new SKBitmap(w, h, colour ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque);
                using (var canvas = new SKCanvas(bitmap))
                {
                    byte shade = (byte)random.Next(20, 60);
                    canvas.Clear(colour ? new SKColor(shade, (byte)(shade / 2), (byte)random.Next(0, 80)) : new SKColor(shade, shade, shade));
                    using var paint = new SKPaint { Color = colour ? new SKColor(255, 220, 120) : SKColors.White, IsAntialias = true };
                    float x = w * (0.5f + 0.15f * (float)(random.NextDouble() - 0.5));
                    canvas.DrawCircle(x, h * centreY, w * 0.16f, paint);
                }
                string path = System.IO.Path.Combine(folder, $"{i:D3}.png");
                using (var file = File.Create(path)) bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
                rows.Add(new ImageRow { Path = path, Label = label });
            }
        }
        return rows;
    }

    [Fact]
    public void Cnn_trains_in_an_image_pipeline_on_a_folder_of_pngs_and_survives_save_and_load()
    {
        string root = Directory.CreateTempSubdirectory("faces-images-").FullName;
        try
        {
            var ml = new MLContext(seed: 1);
            var train = ml.Data.LoadFromEnumerable(WriteImages(System.IO.Path.Combine(root, "train"), 24, 1));
            var testRows = WriteImages(System.IO.Path.Combine(root, "test"), 8, 2);
            var test = ml.Data.LoadFromEnumerable(testRows);

            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: "Path"))
                .Append(ml.Transforms.ResizeImages("Image", 48, 48))
                .Append(ml.Transforms.ConvertToGrayscale("Image"))
                // A grayscale image has R = G = B: one plane is the 48x48x1 input the CNN expects.
                .Append(ml.Transforms.ExtractPixels("Features", "Image", ImagePixelExtractingEstimator.ColorBits.Red))
                .Append(ml.Transforms.NormalizeMeanVariance("Features"))
                .Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options { Training = TrainingOptions.ForCnn with { Epochs = 12, LearningRate = 0.02, Momentum = 0.9, BatchSize = 8 } }))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
            var model = pipeline.Fit(train);

            var scored = model.Transform(test);
            var metrics = ml.MulticlassClassification.Evaluate(scored);
            Assert.True(metrics.MicroAccuracy >= 0.9, $"micro accuracy {metrics.MicroAccuracy}");
            var predicted = scored.GetColumn<string>("PredictedLabel").ToList();

            string zip = System.IO.Path.Combine(root, "model.zip");
            ml.Model.Save(model, train.Schema, zip);
            var loaded = ml.Model.Load(zip, out _);
            Assert.Equal(predicted, loaded.Transform(test).GetColumn<string>("PredictedLabel"));
            var engine = ml.Model.CreatePredictionEngine<ImageRow, Prediction>(loaded);
            var one = engine.Predict(testRows[0]);
            Assert.Equal(predicted[0], one.PredictedLabel);
            Assert.Equal(2, one.Score.Length);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
