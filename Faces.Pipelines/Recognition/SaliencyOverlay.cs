using Faces.Pipelines.Detection;
using OpenCvSharp;

namespace Faces.Pipelines.Recognition;

/// <summary>
/// Draws a face's saliency map over its box in a colour photo: the map stretched to the box, coloured with OpenCV's
/// "jet" palette (blue → red as saliency rises) and blended in with an opacity that follows the map, so the face stays
/// visible where the model did not look.
/// </summary>
public static class SaliencyOverlay
{
    /// <summary>Opacity of the palette at the map's maximum.</summary>
    public const double MaximumOpacity = 0.6;

    /// <summary>Blends <paramref name="map"/> (side² values, row-major) into <paramref name="photo"/> (8-bit BGR) over <paramref name="box"/>.</summary>
    public static void Draw(Mat photo, FaceBox box, float[] map)
    {
        int side = (int)Math.Round(Math.Sqrt(map.Length));
        if (side * side != map.Length || side == 0) throw new ArgumentException($"A saliency map is square; got {map.Length} values.");
        if (photo.Type() != MatType.CV_8UC3) throw new ArgumentException($"The photo must be 8-bit BGR; got {photo.Type()}.");
        var inside = new Rect(box.X, box.Y, box.Width, box.Height) & new Rect(0, 0, photo.Width, photo.Height);
        if (inside.Width <= 0 || inside.Height <= 0) return;
        float peak = map.Max();
        if (!(peak > 0)) return; // nothing spoke for the class: no overlay

        using var levels = Mat.FromPixelData(side, side, MatType.CV_32FC1, map.Select(v => v / peak).ToArray());
        using var stretched = new Mat();
        Cv2.Resize(levels, stretched, new Size(box.Width, box.Height), interpolation: InterpolationFlags.Linear);
        using var cut = new Mat(stretched, new Rect(inside.X - box.X, inside.Y - box.Y, inside.Width, inside.Height));
        using var bytes = new Mat();
        cut.ConvertTo(bytes, MatType.CV_8UC1, 255);
        using var heat = new Mat();
        Cv2.ApplyColorMap(bytes, heat, ColormapTypes.Jet);

        using var region = new Mat(photo, inside);
        using var photoFloat = new Mat();
        using var heatFloat = new Mat();
        region.ConvertTo(photoFloat, MatType.CV_32FC3);
        heat.ConvertTo(heatFloat, MatType.CV_32FC3);
        using var opacity = new Mat();
        cut.ConvertTo(opacity, MatType.CV_32FC1, MaximumOpacity);
        using var opacity3 = new Mat();
        Cv2.Merge(new[] { opacity, opacity, opacity }, opacity3);
        // photo + opacity · (heat − photo)
        using var difference = new Mat();
        Cv2.Subtract(heatFloat, photoFloat, difference);
        using var step = new Mat();
        Cv2.Multiply(difference, opacity3, step);
        using var blended = new Mat();
        Cv2.Add(photoFloat, step, blended);
        blended.ConvertTo(region, MatType.CV_8UC3);
    }
}
