using System.Globalization;
using Faces.MLNet;
using Faces.MLNet.Networks;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using OpenCvSharp;

namespace Faces.Tests.Detection;

/// <summary>An ML.NET pipeline that starts from photos: LoadImages → CropFace → ResizeImages → … → Cnn.</summary>
public sealed class FaceCroppingPipelineTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("faces-crop-pipeline-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    private sealed class Photo
    {
        public string Path { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>Photos of one face on plain backgrounds: "bright" as taken, "dim" at 45% brightness; and one photo of a wall.</summary>
    private List<Photo> Photos()
    {
        using var crop = FaceDetectorTests.FaceCrop();
        var random = new Random(8);
        var photos = new List<Photo>();
        foreach (var (label, gain) in new[] { ("bright", 1.0), ("dim", 0.45) })
            for (int n = 0; n < 10; n++)
            {
                using var picture = new Mat(320, 420, MatType.CV_8UC3, new Scalar(100 + random.Next(60), 100 + random.Next(60), 100 + random.Next(60)));
                using var face = crop.Resize(new Size(220 + 4 * n, 220 + 4 * n));
                using var shaded = new Mat();
                face.ConvertTo(shaded, MatType.CV_8UC3, gain);
                shaded.CopyTo(new Mat(picture, new Rect(random.Next(420 - face.Width), random.Next(320 - face.Height), face.Width, face.Height)));
                string path = Path.Combine(root, $"{label}{n}.png");
                picture.SaveImage(path);
                photos.Add(new Photo { Path = path, Label = label });
            }
        return photos;
    }

    [Fact]
    public void Trains_on_photos_saves_and_predicts_the_same_in_a_fresh_process()
    {
        var ml = new MLContext(seed: 1);
        var photos = Photos();
        var data = ml.Data.LoadFromEnumerable(photos);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", imageFolder: null, inputColumnName: nameof(Photo.Path)))
            .Append(ml.Transforms.CropFace("Face", "Image"))
            .Append(ml.Transforms.ResizeImages("Face", 48, 48, "Face"))
            .Append(ml.Transforms.ConvertToGrayscale("Face"))
            .Append(ml.Transforms.ExtractPixels("Features", "Face", ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255))
            .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
            .Append(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
            {
                Architecture = new CnnArchitecture { Filters1 = 4, Filters2 = 8 },
                Training = TrainingOptions.ForCnn with { Epochs = 15, LearningRate = 0.01, Momentum = 0.9, BatchSize = 5 },
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(data);
        var scored = model.Transform(data);
        Assert.All(scored.GetColumn<bool>("FaceFound"), Assert.True);
        Assert.Equal(1.0, ml.MulticlassClassification.Evaluate(scored).MicroAccuracy);

        // The face, not the photo, goes on: each crop is the detector's largest box.
        using (var detector = new FaceDetector())
        {
            using var colour = Cv2.ImRead(photos[0].Path, ImreadModes.Color);
            var box = detector.Detect(colour)[0];
            var first = scored.Preview(1).RowView[0].Values.First(v => v.Key == "Face").Value as MLImage;
            Assert.Equal((box.Width, box.Height), (first!.Width, first.Height));
        }

        string wall = Path.Combine(root, "wall.png");
        using (var blank = new Mat(200, 300, MatType.CV_8UC3, new Scalar(40, 90, 140))) blank.SaveImage(wall);
        string path = Path.Combine(root, "photos.zip");
        ml.Model.Save(model, data.Schema, path);

        // A fresh process: faces predict reads the image paths through the saved pipeline, CropFace included.
        var lines = FacesCli.Succeed("predict", "--model", path, photos[0].Path, photos[10].Path, wall).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var scores = scored.GetColumn<float[]>("Score").ToList();
        var names = new[] { "bright", "dim" };
        foreach (var (line, row) in new[] { (lines[1], 0), (lines[2], 10) })
        {
            var fields = line.Split('\t');
            Assert.Equal(photos[row].Label, fields[3]);
            var printed = fields[5].Split(' ').Select(p => float.Parse(p.Split('=')[1], CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(scores[row].Select(s => Math.Round(s, 3)), printed.Select(p => Math.Round(p, 3)));
        }
        Assert.Equal($"{wall}\t0\t-\tno face found\t-\t-", lines[3]);

        // In this process too, after loading.
        var loaded = ml.Model.Load(path, out _);
        Assert.Equal(scores, loaded.Transform(data).GetColumn<float[]>("Score"));
    }

    [Fact]
    public void The_schema_is_checked_before_fitting()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new Photo { Path = "x.png" } });
        var error = Assert.ThrowsAny<Exception>(() => ml.Transforms.CropFace("Face", "Path").Fit(data));
        Assert.Contains("'Path' must be an image", error.Message);
        var missing = Assert.ThrowsAny<Exception>(() => ml.Transforms.CropFace("Face", "Image").Fit(data));
        Assert.Contains("Image", missing.Message);
    }
}
