using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Torch.Training;

/// <summary>
/// Applies <see cref="AugmentationOptions"/> to a batch of image rows: one affine warp per example (rotation and
/// scale about the centre, shift, flip) through libtorch's <c>affine_grid</c>/<c>grid_sample</c> with bilinear
/// sampling and the border pixels repeated, then brightness and contrast. Draws come from a seeded
/// <see cref="Random"/>, in example order, so a seed fixes every batch.
/// </summary>
public sealed class ImageAugmenter
{
    private readonly AugmentationOptions options;
    private readonly Random random;
    private readonly int channels, height, width;

    /// <summary>One example's draw: the warp and the intensity change.</summary>
    public readonly record struct Draw(double RotationDegrees, double Scale, double ShiftX, double ShiftY, bool Flip, double Brightness, double Contrast)
    {
        /// <summary>The draw that leaves an example as it is.</summary>
        public static Draw Identity => new(0, 1, 0, 0, false, 0, 1);
    }

    /// <summary>An augmenter for rows of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/> images (channel-major).</summary>
    public ImageAugmenter(AugmentationOptions options, int seed, int channels, int height, int width)
    {
        options.Validate();
        if (channels < 1 || height < 2 || width < 2) throw new ArgumentException($"Augmentation needs images of at least 2x2 pixels; got {height}x{width}x{channels}.");
        this.options = options;
        random = new Random(seed);
        (this.channels, this.height, this.width) = (channels, height, width);
    }

    /// <summary>The next draw for one example (advances the generator).</summary>
    public Draw Next()
    {
        double Symmetric(double limit) => (2 * random.NextDouble() - 1) * limit;
        double rotation = Symmetric(options.MaxRotationDegrees);
        double scale = 1 + Symmetric(options.MaxScale);
        double shiftX = Math.Round(Symmetric(options.MaxShift) * width);
        double shiftY = Math.Round(Symmetric(options.MaxShift) * height);
        bool flip = random.NextDouble() < options.FlipProbability;
        double brightness = Symmetric(options.MaxBrightness);
        double contrast = 1 + Symmetric(options.MaxContrast);
        return new Draw(rotation, scale, shiftX, shiftY, flip, brightness, contrast);
    }

    /// <summary>Augments [N, C·H·W] (or [N, C, H, W]) rows with fresh draws; returns [N, C, H, W].</summary>
    public Tensor Apply(Tensor rows)
    {
        var draws = new Draw[rows.shape[0]];
        for (int i = 0; i < draws.Length; i++) draws[i] = Next();
        return Apply(rows, draws);
    }

    /// <summary>Augments rows with the given draws, one per row; returns [N, C, H, W].</summary>
    /// <remarks>
    /// Shifts are in whole pixels: with <c>align_corners = false</c> a whole-pixel shift samples exactly on pixel
    /// centres, so a face moved by k pixels keeps its grey levels.
    /// </remarks>
    public Tensor Apply(Tensor rows, IReadOnlyList<Draw> draws)
    {
        long n = rows.shape[0];
        if (draws.Count != n) throw new ArgumentException($"{draws.Count} draws for {n} rows.");
        using var scope = NewDisposeScope();
        var images = rows.dim() == 4 ? rows : rows.view(n, channels, height, width);
        var theta = new float[n * 6];
        var gains = new float[n];
        var offsets = new float[n];
        for (int i = 0; i < n; i++)
        {
            var d = draws[i];
            double angle = d.RotationDegrees * Math.PI / 180, inverse = 1 / d.Scale, flip = d.Flip ? -1 : 1;
            // Output pixel → input pixel in normalised coordinates: rotate and scale back, mirror, then shift back.
            theta[i * 6 + 0] = (float)(Math.Cos(angle) * inverse * flip);
            theta[i * 6 + 1] = (float)(-Math.Sin(angle) * inverse);
            theta[i * 6 + 2] = (float)(-2 * d.ShiftX / width);
            theta[i * 6 + 3] = (float)(Math.Sin(angle) * inverse * flip);
            theta[i * 6 + 4] = (float)(Math.Cos(angle) * inverse);
            theta[i * 6 + 5] = (float)(-2 * d.ShiftY / height);
            gains[i] = (float)d.Contrast;
            offsets[i] = (float)d.Brightness;
        }
        var grid = F.affine_grid(tensor(theta, new long[] { n, 2, 3 }).to(images.device), new long[] { n, channels, height, width }, align_corners: false);
        var warped = F.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        var mean = warped.mean(new long[] { 1, 2, 3 }, keepdim: true);
        var spread = warped.std(new long[] { 1, 2, 3 }, keepdim: true);
        var gain = tensor(gains, new long[] { n, 1, 1, 1 }).to(images.device);
        var offset = tensor(offsets, new long[] { n, 1, 1, 1 }).to(images.device);
        return ((warped - mean) * gain + mean + offset * spread).MoveToOuterDisposeScope();
    }
}
