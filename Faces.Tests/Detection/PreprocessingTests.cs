using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using Microsoft.ML;

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
}
