using OpenCvSharp;

namespace Faces.Tests.Detection;

/// <summary><c>faces predict</c> on photographs: every face found, boxed and labelled in the annotated copy.</summary>
public sealed class PhotoCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-photos-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    /// <summary>A FER2013-style csv of 30 noise faces, happy and surprise alternating (every 10th in PublicTest, the next in PrivateTest).</summary>
    internal static string NoiseFer(string folder, int seed)
    {
        var random = new Random(seed);
        var lines = new List<string> { "emotion,pixels,Usage" };
        for (int n = 0; n < 30; n++)
            lines.Add($"{(n % 2 == 0 ? 3 : 5)},{string.Join(' ', Enumerable.Range(0, 2304).Select(_ => random.Next(256)))},{(n % 10 == 8 ? "PublicTest" : n % 10 == 9 ? "PrivateTest" : "Training")}");
        string data = Path.Combine(folder, "fer.csv");
        File.WriteAllLines(data, lines);
        return data;
    }

    private string Model()
    {
        string data = NoiseFer(folder, 3);
        string model = Path.Combine(folder, "mog.zip");
        FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--iterations", "1", "--data", data, "--out", model);
        return model;
    }

    [Fact]
    public void A_CMYK_JPEG_and_a_grayscale_photo_are_read_and_their_face_found()
    {
        string cmyk = Path.Combine(AppContext.BaseDirectory, "Data", "photos", "astronaut-cmyk.jpg");
        string gray = Path.Combine(folder, "gray.png");
        using (var image = Cv2.ImRead(FaceDetectorTests.Astronaut, ImreadModes.Grayscale)) image.SaveImage(gray);
        var lines = FacesCli.Succeed("predict", "--model", Model(), cmyk, gray).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        // One face each, where the portrait has it (the CMYK copy is half size).
        var cmykBox = lines[1].Split('\t')[2].Split(',').Select(v => int.Parse(v.Split('x')[0])).ToArray();
        Assert.InRange(cmykBox[0] + cmykBox[2] / 2, 100, 125);
        Assert.Equal("1", lines[2].Split('\t')[1]);
        var grayBox = lines[2].Split('\t')[2].Split(',').Select(v => int.Parse(v.Split('x')[0])).ToArray();
        Assert.InRange(grayBox[0] + grayBox[2] / 2, 200, 250);
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

/// <summary><c>faces predict --explain</c>: each face's saliency map, in the JSON and drawn over the face.</summary>
public sealed class ExplainCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-explain-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    [Fact]
    public void Explain_draws_each_faces_map_inside_its_box_and_nothing_elsewhere()
    {
        string data = PhotoCommandTests.NoiseFer(folder, 4);
        string mlp = Path.Combine(folder, "mlp.zip"), mog = Path.Combine(folder, "mog.zip");
        FacesCli.Succeed("train", "--model", "mlp", "--epochs", "2", "--hidden", "8", "--data", data, "--out", mlp);
        string annotated = Path.Combine(folder, "annotated"), explained = Path.Combine(folder, "explained");

        var json = System.Text.Json.JsonDocument.Parse(FacesCli.Succeed("predict", "--json", "--model", mlp, "--annotate", annotated, "--explain", explained,
            FaceDetectorTests.Astronaut)).RootElement;
        var face = Assert.Single(json[0].GetProperty("faces").EnumerateArray());
        var map = face.GetProperty("saliency").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(2304, map.Length);
        Assert.Equal(1, map.Sum(), 3);
        var box = face.GetProperty("box");
        var (x, y, w, h) = (box.GetProperty("x").GetInt32(), box.GetProperty("y").GetInt32(), box.GetProperty("width").GetInt32(), box.GetProperty("height").GetInt32());

        // The explained copy is the annotated one plus the heat inside the box: equal outside it, coloured at the map's peak.
        using var plain = Cv2.ImRead(Path.Combine(annotated, "astronaut.faces.png"), ImreadModes.Color);
        using var heat = Cv2.ImRead(Path.Combine(explained, "astronaut.saliency.png"), ImreadModes.Color);
        using var difference = new Mat();
        Cv2.Absdiff(plain, heat, difference);
        using var changed = difference.CvtColor(ColorConversionCodes.BGR2GRAY).Threshold(0, 255, ThresholdTypes.Binary);
        var bounds = Cv2.BoundingRect(changed);
        Assert.True(bounds.X >= x && bounds.Y >= y && bounds.Right <= x + w && bounds.Bottom <= y + h, $"changed {bounds}, box {x},{y},{w}x{h}");
        int peak = Array.IndexOf(map, map.Max());
        int px = x + (int)((peak % 48 + 0.5) * w / 48), py = y + (int)((peak / 48 + 0.5) * h / 48);
        Assert.True(difference.At<Vec3b>(py, px) != new Vec3b(0, 0, 0), "no heat at the map's peak");

        FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--iterations", "1", "--data", data, "--out", mog);
        var refused = FacesCli.Run(null, "predict", "--model", mog, "--explain", explained, FaceDetectorTests.Astronaut);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("mixture of Gaussians", refused.Error);
    }
}

/// <summary>Image folders of photographs: with a detector, each photo gives its largest face; photos without one are left out.</summary>
public sealed class PhotoFolderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("faces-photo-folder-").FullName;

    public void Dispose() => Directory.Delete(root, true);

    [Fact]
    public void Each_photo_gives_its_largest_face_and_faceless_photos_are_named_and_left_out()
    {
        using var crop = FaceDetectorTests.FaceCrop();
        var random = new Random(5);
        foreach (var label in new[] { "happy", "sad" })
        {
            Directory.CreateDirectory(Path.Combine(root, label));
            for (int n = 0; n < 4; n++)
            {
                using var photo = new Mat(360, 480, MatType.CV_8UC3, new Scalar(90 + random.Next(80), 90 + random.Next(80), 90 + random.Next(80)));
                using var face = crop.Resize(new Size(200 + 20 * n, 200 + 20 * n));
                face.CopyTo(new Mat(photo, new Rect(random.Next(480 - face.Width), random.Next(360 - face.Height), face.Width, face.Height)));
                photo.SaveImage(Path.Combine(root, label, $"p{n}.jpg"));
            }
        }
        using (var blank = new Mat(200, 200, MatType.CV_8UC3, new Scalar(30, 60, 90))) blank.SaveImage(Path.Combine(root, "sad", "wall.png"));

        using var detector = new Faces.Pipelines.Detection.FaceDetector();
        var data = Faces.Pipelines.Data.Loaders.ImageFolderLoader.Load(new Microsoft.ML.MLContext(1), root, faces: detector);
        Assert.True(8 == data.Splits.Sum(s => s.Count), string.Join("; ", data.Warnings));
        Assert.Contains(data.Warnings, w => w.Contains("no face found in 1 image") && w.Contains("wall.png"));
        Assert.DoesNotContain(data.Manifest!.Rows, r => r.File.Contains("wall"));
        Assert.Contains("largest face", data.SplitMethod);

        // A row is the detected face's crop, not the whole photo.
        var row = data.Manifest.Rows[0];
        using var gray = Faces.Pipelines.Detection.FaceDetector.ReadGray(Path.Combine(root, row.File));
        var expected = Faces.Pipelines.Detection.FaceDetector.FacePixels(gray, detector.Detect(gray)[0], 48, 48);
        Assert.Equal(expected, data[row.Split].Row(0).ToArray());
    }
}
