using Faces.Pipelines.Imaging;

namespace Faces.Pipelines.Data;

/// <summary>
/// The embedded default dataset: deterministic synthetic 48x48 grayscale faces for the seven expressions. Each
/// expression sets the brows (inner/outer height), eye opening, mouth curve/width/opening and nose wrinkles; each
/// image varies identity (face shape, skin, feature placement), expression strength, pose (rotation), size, position,
/// lighting and noise. Weak expressions look nearly neutral, so no model reaches 100%. Splits use disjoint identities
/// and default to TFD's sizes (3374 / 419 / 385); labels are balanced (counts differ by at most one).
/// </summary>
public static class SyntheticFaces
{
    /// <summary>Generator settings.</summary>
    public sealed record Options
    {
        public int TrainCount { get; init; } = 3374;
        public int ValidationCount { get; init; } = 419;
        public int TestCount { get; init; } = 385;
        /// <summary>Same seed, same images. Default 1.</summary>
        public int Seed { get; init; } = 1;
        /// <summary>Identities per split: train, valid, test. Default 60 / 12 / 12.</summary>
        public (int Train, int Valid, int Test) Identities { get; init; } = (60, 12, 12);
        /// <summary>The small form that quick runs (CI) use: 700 / 140 / 140 images.</summary>
        public static Options Quick { get; } = new() { TrainCount = 700, ValidationCount = 140, TestCount = 140 };
        /// <summary>Weakest expression strength (0 = neutral face, 1 = full). Default 0.3.</summary>
        public double MinimumStrength { get; init; } = 0.3;
        /// <summary>
        /// Where the expression shows: the whole face (default), or one region only while the rest stays neutral —
        /// faces whose class can be read in one place, for checking what a saliency map points at.
        /// </summary>
        public FaceRegion Carrier { get; init; } = FaceRegion.Whole;
    }

    private const int Size = 48;

    /// <summary>Brow inner/outer lift (negative = up), eye opening, mouth curve (+ = smile), width, opening, tilt, nose wrinkle.</summary>
    private sealed record Expression(double BrowInner, double BrowOuter, double EyeOpen, double MouthCurve, double MouthWidth,
        double MouthOpen, double MouthTilt, double Wrinkle);

    // Index order = FaceDataset.Emotions: anger, disgust, fear, happy, sad, surprise, neutral.
    private static readonly Expression[] Expressions =
    {
        new(0.12, -0.05, 0.35, -0.03, 0.24, 0.00, 0.00, 0.0),  // anger: inner brows down, narrowed eyes, pressed lips
        new(0.07, 0.03, 0.30, -0.05, 0.30, 0.03, 0.09, 1.0),   // disgust: lowered brows, squint, raised lip on one side, wrinkles
        new(-0.14, -0.06, 0.90, -0.04, 0.42, 0.07, 0.00, 0.0), // fear: inner brows up, wide eyes, stretched open mouth
        new(-0.03, -0.03, 0.32, 0.14, 0.40, 0.03, 0.00, 0.0),  // happy: squint, wide smile
        new(-0.12, 0.05, 0.45, -0.11, 0.30, 0.00, 0.00, 0.0),  // sad: inner brows up, corners down
        new(-0.19, -0.17, 1.00, 0.00, 0.16, 0.20, 0.00, 0.0),  // surprise: brows high, eyes wide, round open mouth
        new(0.00, 0.00, 0.55, 0.00, 0.30, 0.00, 0.00, 0.0),    // neutral
    };

    /// <summary>Generates the dataset.</summary>
    public static FaceDataset Generate(Options? options = null) => Generate(options ?? new Options(), null).Faces;

    /// <summary>Generates the dataset and, for each image, where <paramref name="region"/> lies in it.</summary>
    public static (FaceDataset Faces, RegionMasks Masks) GenerateWithMasks(Options options, FaceRegion region)
    {
        if (region == FaceRegion.Whole) throw new ArgumentException("A mask is of one region: brows, eyes, nose or mouth.");
        var (faces, masks) = Generate(options, region);
        return (faces, masks!);
    }

    private static (FaceDataset Faces, RegionMasks? Masks) Generate(Options options, FaceRegion? region)
    {
        if (options.TrainCount < 7 || options.ValidationCount < 1 || options.TestCount < 1)
            throw new ArgumentException("Synthetic splits need at least 7 training images and 1 validation and test image.");
        var (trainIds, validIds, testIds) = options.Identities;
        var (train, trainMask) = Split("train", options.TrainCount, 0, trainIds, options, region);
        var (valid, validMask) = Split("valid", options.ValidationCount, trainIds, validIds, options, region);
        var (test, testMask) = Split("test", options.TestCount, trainIds + validIds, testIds, options, region);
        string carrier = options.Carrier == FaceRegion.Whole ? "" : $", expression in the {options.Carrier.ToString().ToLowerInvariant()} only";
        var faces = new FaceDataset($"synthetic (seed {options.Seed}{carrier})", FaceDataset.Emotions, ImageShape.Faces48, train, valid, test);
        return (faces, region is { } r ? new RegionMasks(r, trainMask!, validMask!, testMask!) : null);
    }

    private static (FaceSplit Split, bool[]? Mask) Split(string name, int count, int firstIdentity, int identities, Options options, FaceRegion? region)
    {
        const int pixels = Size * Size;
        var features = new float[count * pixels];
        var mask = region != null ? new bool[count * pixels] : null;
        var labels = new int[count];
        Parallel.For(0, count, n =>
        {
            // Each image draws from its own generator, so the result does not depend on thread scheduling.
            var random = new Random(Mix(options.Seed, firstIdentity, n));
            int label = n % Expressions.Length;
            int identity = firstIdentity + random.Next(Math.Max(1, identities));
            labels[n] = label;
            Render(features.AsSpan(n * pixels, pixels), label, new Random(Mix(options.Seed, identity, -1)), random, options,
                region, mask != null ? mask.AsSpan(n * pixels, pixels) : Span<bool>.Empty);
        });
        // Interleaved labels would let a model learn the row order; shuffle rows with the seed.
        var order = Enumerable.Range(0, count).ToArray();
        new Random(Mix(options.Seed, firstIdentity, -2)).Shuffle(order);
        bool[]? shuffledMask = null;
        if (mask != null)
        {
            shuffledMask = new bool[mask.Length];
            for (int i = 0; i < count; i++) mask.AsSpan(order[i] * pixels, pixels).CopyTo(shuffledMask.AsSpan(i * pixels, pixels));
        }
        return (new FaceSplit(name, features, labels, pixels).Subset(name, order), shuffledMask);
    }

    private static void Render(Span<float> pixels, int label, Random identity, Random random, Options options, FaceRegion? region, Span<bool> mask)
    {
        // Identity: stable across the images of one person.
        double faceWidth = 0.78 + 0.12 * identity.NextDouble();
        double skin = 0.55 + 0.3 * identity.NextDouble();
        double hair = 0.1 + 0.25 * identity.NextDouble();
        double eyeSpacing = 0.32 + 0.08 * identity.NextDouble();
        double eyeHeight = -0.18 + 0.06 * identity.NextDouble();
        double browBase = -0.42 + 0.06 * identity.NextDouble();
        double mouthHeight = 0.46 + 0.08 * identity.NextDouble();
        double mouthScale = 0.85 + 0.3 * identity.NextDouble();
        double eyeScale = 0.85 + 0.3 * identity.NextDouble();

        // This image: expression strength, pose, placement, lighting, noise.
        double strength = options.MinimumStrength + (1 - options.MinimumStrength) * random.NextDouble();
        var neutral = Expressions[6];
        var target = Expressions[label];
        // A region that does not carry the expression keeps the neutral face's value (and its natural variation).
        double Blend(FaceRegion part, Func<Expression, double> f) =>
            options.Carrier is FaceRegion.Whole || options.Carrier == part ? f(neutral) + strength * (f(target) - f(neutral)) : f(neutral);
        double browInner = Blend(FaceRegion.Brows, e => e.BrowInner) + 0.03 * Gaussian(random), browOuter = Blend(FaceRegion.Brows, e => e.BrowOuter) + 0.03 * Gaussian(random);
        double eyeOpen = Math.Max(0.15, Blend(FaceRegion.Eyes, e => e.EyeOpen) + 0.08 * Gaussian(random));
        double curve = Blend(FaceRegion.Mouth, e => e.MouthCurve) + 0.025 * Gaussian(random);
        double mouthWidth = Blend(FaceRegion.Mouth, e => e.MouthWidth) * mouthScale;
        double mouthOpen = Math.Max(0, Blend(FaceRegion.Mouth, e => e.MouthOpen) + 0.015 * Gaussian(random));
        double tilt = Blend(FaceRegion.Mouth, e => e.MouthTilt) * (random.Next(2) == 0 ? 1 : -1);
        double wrinkle = Blend(FaceRegion.Nose, e => e.Wrinkle);

        double angle = 0.07 * Gaussian(random);
        double scale = 20 * (0.92 + 0.16 * random.NextDouble());
        double cx = Size / 2.0 + 1.2 * Gaussian(random), cy = Size / 2.0 + 1 + 1.2 * Gaussian(random);
        double background = 0.2 + 0.3 * random.NextDouble();
        double lightAngle = 2 * Math.PI * random.NextDouble(), lightStrength = 0.2 * random.NextDouble();
        double noise = 0.02 + 0.04 * random.NextDouble();
        double cos = Math.Cos(angle), sin = Math.Sin(angle), edge = 1 / scale;

        for (int py = 0; py < Size; py++)
        for (int px = 0; px < Size; px++)
        {
            double x = px + 0.5 - cx, y = py + 0.5 - cy;
            double u = (cos * x + sin * y) / scale, v = (-sin * x + cos * y) / scale;
            double light = lightStrength * ((px - Size / 2.0) * Math.Cos(lightAngle) + (py - Size / 2.0) * Math.Sin(lightAngle)) / Size;

            double value = background;
            value = Mix(value, hair, Cover(Ellipse(u, v + 0.12, faceWidth + 0.1, 1.08), edge));
            double face = Cover(Ellipse(u, v, faceWidth, 1.0), edge);
            value = Mix(value, skin, face);
            double dark = 0;
            foreach (int side in new[] { -1, 1 })
            {
                double ex = side * eyeSpacing;
                dark = Math.Max(dark, 0.75 * Cover(Ellipse(u - ex, v - eyeHeight, 0.12 * eyeScale, 0.11 * eyeScale * eyeOpen), edge));
                dark = Math.Max(dark, 0.85 * Cover(Ellipse(u - ex, v - eyeHeight, 0.045, 0.045 * Math.Min(1, eyeOpen * 1.6)), edge));
                double inner = browBase + browInner, outer = browBase + browOuter;
                dark = Math.Max(dark, 0.7 * Cover(Segment(u, v, side * 0.12, inner, side * 0.52, outer) - 0.035, edge));
                if (wrinkle > 0.05)
                    dark = Math.Max(dark, 0.35 * wrinkle * Cover(Segment(u, v, side * 0.05, 0.02, side * 0.14, -0.02) - 0.015, edge));
            }
            dark = Math.Max(dark, 0.3 * Cover(Segment(u, v, 0, -0.08, 0.03, 0.2) - 0.02, edge));
            dark = Math.Max(dark, 0.45 * Cover(Ellipse(u, v - 0.23, 0.09, 0.04), edge));
            dark = Math.Max(dark, 0.75 * Cover(Mouth(u, v - mouthHeight, mouthWidth, curve, tilt) - 0.025, edge));
            if (mouthOpen > 0.01)
                dark = Math.Max(dark, 0.85 * Cover(Ellipse(u, v - mouthHeight + curve * 0.3, Math.Max(mouthWidth * 0.75, 0.08), mouthOpen), edge));
            value -= face * dark * skin;
            pixels[py * Size + px] = (float)Math.Clamp(value + light + noise * Gaussian(random), 0, 1);
            if (region is { } part)
                mask[py * Size + px] = part switch
                {
                    // Each box holds its features at their most extreme expression, in face units.
                    FaceRegion.Brows => Math.Abs(u) <= 0.62 && v >= browBase - 0.25 && v <= browBase + 0.16,
                    FaceRegion.Eyes => Math.Min(Ellipse(u - eyeSpacing, v - eyeHeight, 0.2, 0.14), Ellipse(u + eyeSpacing, v - eyeHeight, 0.2, 0.14)) <= 0,
                    FaceRegion.Nose => Math.Abs(u) <= 0.2 && Math.Abs(v) <= 0.07,
                    FaceRegion.Mouth => Math.Abs(u) <= mouthWidth + 0.12 && v - mouthHeight >= -0.2 && v - mouthHeight <= 0.3,
                    _ => true,
                };
        }
    }

    /// <summary>Signed distance (face units) to an axis-aligned ellipse, approximate but monotone across its edge.</summary>
    private static double Ellipse(double u, double v, double a, double b) =>
        (Math.Sqrt(u * u / (a * a) + v * v / (b * b)) - 1) * Math.Min(a, b);

    private static double Segment(double u, double v, double u0, double v0, double u1, double v1)
    {
        double du = u1 - u0, dv = v1 - v0;
        double t = Math.Clamp(((u - u0) * du + (v - v0) * dv) / (du * du + dv * dv), 0, 1);
        return Math.Sqrt(Math.Pow(u - u0 - t * du, 2) + Math.Pow(v - v0 - t * dv, 2));
    }

    /// <summary>Distance to the mouth line v = −curve·t² + tilt·t for u = t·width, t ∈ [−1, 1], as a polyline.</summary>
    private static double Mouth(double u, double v, double width, double curve, double tilt)
    {
        double best = double.PositiveInfinity;
        const int pieces = 8;
        double PointV(double t) => -curve * t * t + tilt * t + curve * 0.5;
        for (int i = 0; i < pieces; i++)
        {
            double t0 = -1 + 2.0 * i / pieces, t1 = -1 + 2.0 * (i + 1) / pieces;
            best = Math.Min(best, Segment(u, v, t0 * width, PointV(t0), t1 * width, PointV(t1)));
        }
        return best;
    }

    /// <summary>Coverage of a pixel by a shape from its signed distance, anti-aliased over one pixel.</summary>
    private static double Cover(double distance, double pixel) => Math.Clamp(0.5 - distance / pixel, 0, 1);

    private static double Mix(double a, double b, double t) => a + (b - a) * t;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static int Mix(int seed, int a, int b)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)a * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)b * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }
}
