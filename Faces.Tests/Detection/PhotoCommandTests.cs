using OpenCvSharp;

namespace Faces.Tests.Detection;

/// <summary><c>faces predict</c> on photographs: every face found, boxed and labelled in the annotated copy.</summary>
public sealed class PhotoCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-photos-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private string Model()
    {
        var random = new Random(3);
        var lines = new List<string> { "emotion,pixels,Usage" };
        for (int n = 0; n < 30; n++)
            lines.Add($"{(n % 2 == 0 ? 3 : 5)},{string.Join(' ', Enumerable.Range(0, 2304).Select(_ => random.Next(256)))},{(n % 10 == 8 ? "PublicTest" : n % 10 == 9 ? "PrivateTest" : "Training")}");
        string data = Path.Combine(folder, "fer.csv");
        File.WriteAllLines(data, lines);
        string model = Path.Combine(folder, "mog.zip");
        FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--iterations", "1", "--data", data, "--out", model);
        return model;
    }

    [Fact]
    public void Predict_finds_every_face_of_a_photo_and_draws_them_where_they_are()
    {
        var (picture, centres) = FaceDetectorTests.ThreeFaces();
        string photo = Path.Combine(folder, "three.png");
        using (picture)
        using (var withAlpha = picture.CvtColor(ColorConversionCodes.BGR2BGRA))
            withAlpha.SaveImage(photo); // a PNG with an alpha channel
        string annotated = Path.Combine(folder, "annotated");

        var lines = FacesCli.Succeed("predict", "--model", Model(), "--annotate", annotated, photo).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // header + three faces
        var boxes = lines.Skip(1).Select(l => l.Split('\t')).Select(f =>
        {
            var xy = f[2].Split(',');
            var wh = xy[2].Split('x');
            return new Rect(int.Parse(xy[0]), int.Parse(xy[1]), int.Parse(wh[0]), int.Parse(wh[1]));
        }).ToList();
        foreach (var centre in centres) Assert.Single(boxes, b => b.Contains(centre));
        Assert.All(lines.Skip(1), l => Assert.Contains(l.Split('\t')[3], new[] { "happy", "surprise" }));

        // The annotated copy: the photo's size, the photo's pixels away from the boxes, green on each box's edge.
        using var drawn = Cv2.ImRead(Path.Combine(annotated, "three.faces.png"), ImreadModes.Color);
        using var original = Cv2.ImRead(photo, ImreadModes.Color);
        Assert.Equal(original.Size(), drawn.Size());
        Assert.Equal(original.At<Vec3b>(700, 5), drawn.At<Vec3b>(700, 5));
        foreach (var box in boxes)
        {
            var edge = drawn.At<Vec3b>(box.Y + box.Height / 2, box.X);
            Assert.Equal((0, 200, 0), (edge.Item0, edge.Item1, edge.Item2));
        }
    }
}
