using Faces.Pipelines.Detection;
using Faces.Pipelines.Recognition;
using OpenCvSharp;

namespace Faces.Tests.Detection;

/// <summary>The embedded Haar cascade on a real photograph (NASA's public-domain portrait of Eileen Collins).</summary>
public sealed class FaceDetectorTests
{
    internal static string Astronaut => Path.Combine(AppContext.BaseDirectory, "Data", "photos", "astronaut.png");

    private const int CropX = 100, CropY = 0, CropSide = 250;

    /// <summary>The portrait's head and shoulders (250x250 from (100, 0)).</summary>
    internal static Mat FaceCrop()
    {
        using var photo = Cv2.ImRead(Astronaut, ImreadModes.Color);
        return new Mat(photo, new Rect(CropX, CropY, CropSide, CropSide)).Clone();
    }

    /// <summary>A 1280x720 picture with the face at 0.5x, 1x and 1.9x; returns where each face's centre is.</summary>
    internal static (Mat Picture, List<Point> Centres) ThreeFaces()
    {
        using var crop = FaceCrop();
        var picture = new Mat(720, 1280, MatType.CV_8UC3, new Scalar(120, 130, 140));
        var centres = new List<Point>();
        var places = new[] { (Scale: 0.5, X: 40, Y: 40), (Scale: 1.0, X: 220, Y: 420), (Scale: 1.9, X: 700, Y: 120) };
        foreach (var (scale, x, y) in places)
        {
            using var scaled = crop.Resize(new Size((int)(CropSide * scale), (int)(CropSide * scale)));
            scaled.CopyTo(new Mat(picture, new Rect(x, y, scaled.Width, scaled.Height)));
            // The face's centre in the portrait is near (224, 113).
            centres.Add(new Point(x + (int)((224 - CropX) * scale), y + (int)((113 - CropY) * scale)));
        }
        return (picture, centres);
    }

    [Fact]
    public void Finds_the_face_in_the_portrait_and_nothing_else()
    {
        using var detector = new FaceDetector();
        var faces = detector.Detect(Astronaut);
        var face = Assert.Single(faces);
        // The face is near (224, 113) and about 100 pixels wide in the 512x512 portrait.
        Assert.InRange(face.X + face.Width / 2, 200, 250);
        Assert.InRange(face.Y + face.Height / 2, 90, 140);
        Assert.InRange(face.Width, 80, 160);
        Assert.True(face.Score > 0);
    }

    [Fact]
    public void Finds_every_face_of_a_composed_picture_at_three_scales_largest_first()
    {
        var (picture, centres) = ThreeFaces();
        using (picture)
        {
            using var detector = new FaceDetector();
            var faces = detector.Detect(picture);
            Assert.True(faces.Count == 3, string.Join("; ", faces));
            Assert.True(faces[0].Area >= faces[1].Area && faces[1].Area >= faces[2].Area);
            foreach (var centre in centres)
                Assert.Single(faces, f => f.X <= centre.X && centre.X <= f.X + f.Width && f.Y <= centre.Y && centre.Y <= f.Y + f.Height);
            // Deterministic: the same boxes again.
            Assert.Equal(faces, detector.Detect(picture));
        }
    }

    [Fact]
    public void A_picture_without_a_face_gives_no_box()
    {
        using var detector = new FaceDetector();
        using var photo = Cv2.ImRead(Astronaut, ImreadModes.Color);
        using var suit = new Mat(photo, new Rect(0, 300, 512, 212));
        Assert.Empty(detector.Detect(suit));
        using var plain = new Mat(400, 600, MatType.CV_8UC1, new Scalar(90));
        Cv2.Randu(plain, new Scalar(60), new Scalar(200));
        Assert.Empty(detector.Detect(plain));
    }

    [Fact]
    public void Bad_settings_and_files_are_clear_errors()
    {
        Assert.Contains("ScaleFactor", Assert.Throws<ArgumentException>(() => new FaceDetector(new FaceDetectorOptions { ScaleFactor = 1 })).Message);
        string notCascade = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notCascade, "<not-a-cascade/>");
            var error = Assert.ThrowsAny<Exception>(() => new FaceDetector(new FaceDetectorOptions { CascadeFile = notCascade }));
            Assert.Contains(notCascade, error.Message);
        }
        finally
        {
            File.Delete(notCascade);
        }
    }
}
