using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Detection;

/// <summary>
/// Training and prediction read a face through one preprocessing path: the pixels a model was trained on from an
/// image folder are exactly the pixels <c>faces predict</c> and <c>faces serve</c> score for the same photo, with a
/// detected face and with the whole image.
/// </summary>
public sealed class PreprocessingTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-preprocess-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_photo_in_a_training_folder_gives_the_values_and_scores_prediction_gives(bool detectFaces)
    {
        foreach (var split in new[] { "train", "valid", "test" })
        foreach (var emotion in new[] { "happy", "sad" })
        {
            Directory.CreateDirectory(Path.Combine(folder, split, emotion));
            File.Copy(FaceDetectorTests.Astronaut, Path.Combine(folder, split, emotion, "astronaut.png"));
        }
        var ml = new MLContext(1);
        using var detector = new FaceDetector();
        var data = ImageFolderLoader.Load(ml, folder, faces: detectFaces ? detector : null);
        var trained = data.Train.Row(0).ToArray();

        using var recognizer = new ExpressionRecognizer(ml, detector);
        using var gray = FaceDetector.ReadGray(FaceDetectorTests.Astronaut);
        var box = detectFaces ? detector.Detect(gray)[0] : new FaceBox(0, 0, gray.Width, gray.Height, 0);
        Assert.Equal(2304, trained.Length);
        Assert.Equal(FaceDetector.FacePixels(gray, box, recognizer.Side, recognizer.Side), trained);

        // What prediction scores for that face is what the model gives the training row, to the bit.
        var predicted = detectFaces ? recognizer.Recognize(FaceDetectorTests.Astronaut)[0] : recognizer.RecognizeWhole(FaceDetectorTests.Astronaut);
        var scored = recognizer.Model.Score(new[] { trained })[0];
        Assert.Equal(recognizer.ClassNames.Select(c => predicted.Probabilities[c]), scored);
    }

    private sealed class PathRow
    {
        public string ImagePath { get; set; } = "";
    }

    [Fact]
    public void The_ML_NET_face_features_step_reads_a_photo_as_prediction_does_and_saves_with_the_model()
    {
        var ml = new MLContext(1);
        string blank = Path.Combine(folder, "blank.png");
        using (var bitmap = new SkiaSharp.SKBitmap(64, 40))
        {
            bitmap.Erase(SkiaSharp.SKColors.Gray);
            File.WriteAllBytes(blank, bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100).ToArray());
        }
        var rows = ml.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = FaceDetectorTests.Astronaut }, new PathRow { ImagePath = blank } });
        var step = ml.Transforms.FaceFeatures().Fit(rows);

        using var detector = new FaceDetector();
        using var photo = FaceDetector.ReadGray(FaceDetectorTests.Astronaut);
        using var plain = FaceDetector.ReadGray(blank);
        var expected = new[]
        {
            FaceDetector.FacePixels(photo, detector.Detect(photo)[0], 48, 48),
            FaceDetector.FacePixels(plain, new FaceBox(0, 0, plain.Width, plain.Height, 0), 48, 48), // no face: the whole image
        };
        var output = step.Transform(rows);
        Assert.Equal(expected, output.GetColumn<float[]>("Features"));
        Assert.Equal(new[] { true, false }, output.GetColumn<bool>("FeaturesFound"));

        string model = Path.Combine(folder, "features.zip");
        ml.Model.Save(step, rows.Schema, model);
        var loaded = ml.Model.Load(model, out _);
        Assert.Equal(expected, loaded.Transform(rows).GetColumn<float[]>("Features"));

        var side = Assert.ThrowsAny<InvalidOperationException>(() => ml.Transforms.FaceFeatures(side: 0));
        Assert.Contains("face side must be 1 to 4096 pixels; got 0", side.Message);
        var nameless = Assert.ThrowsAny<InvalidOperationException>(() => ml.Transforms.FaceFeatures(outputColumnName: " "));
        Assert.Contains("Column names must not be empty", nameless.Message);

        var missing = ml.Data.LoadFromEnumerable(new[] { new PathRow { ImagePath = Path.Combine(folder, "none.png") } });
        var error = Assert.ThrowsAny<Exception>(() => step.Transform(missing).GetColumn<float[]>("Features").ToList());
        // ML.NET's parallel cursors wrap a getter's error in their own ("Splitter/consolidator worker…"): the cause is inside.
        var messages = new List<string>();
        for (Exception? e = error; e != null; e = e.InnerException) messages.Add(e.Message);
        Assert.Contains(messages, m => m.Contains("none.png") && m.Contains("Row 0"));
    }
}
