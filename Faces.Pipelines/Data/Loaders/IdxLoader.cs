using Faces.Pipelines.Imaging;
using System.Buffers.Binary;
using System.IO.Compression;

namespace Faces.Pipelines.Data.Loaders;

/// <summary>
/// MNIST-style IDX files (unsigned-byte images and labels, gzipped or not), and Fashion-MNIST from Debian's
/// dataset-fashion-mnist package. Fashion-MNIST has no validation split: one is carved from training, seeded.
/// </summary>
public static class IdxLoader
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the files.</summary>
    public const string DebianFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>Fashion-MNIST's ten classes in label order.</summary>
    public static IReadOnlyList<string> FashionMnistClasses { get; } =
        new[] { "t-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle boot" };

    /// <summary>Reads an IDX image file: (count, height, width) and pixels divided by 255.</summary>
    public static (float[] Pixels, int Count, int Height, int Width) ReadImages(string path)
    {
        var bytes = ReadAll(path);
        var dims = Header(bytes, path, expectedDimensions: 3);
        int offset = 4 + 4 * 3;
        // Each factor is at most 2³², so the product of three fits a UInt128 and cannot wrap.
        UInt128 size = (UInt128)dims[0] * dims[1] * dims[2];
        if (size != (UInt128)(bytes.Length - offset))
            throw new InvalidDataException($"{path}: the header promises {dims[0]} images of {dims[1]}x{dims[2]} ({size} bytes) but {bytes.Length - offset} follow.");
        var pixels = new float[bytes.Length - offset];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = bytes[offset + i] / 255f;
        return (pixels, (int)dims[0], (int)dims[1], (int)dims[2]);
    }

    /// <summary>Reads an IDX label file.</summary>
    public static int[] ReadLabels(string path)
    {
        var bytes = ReadAll(path);
        var dims = Header(bytes, path, expectedDimensions: 1);
        if ((ulong)(bytes.Length - 8) != dims[0])
            throw new InvalidDataException($"{path}: the header promises {dims[0]} labels but {bytes.Length - 8} follow.");
        return bytes.AsSpan(8).ToArray().Select(b => (int)b).ToArray();
    }

    /// <summary>
    /// Fashion-MNIST (train-/t10k- images and labels) from <paramref name="folder"/>; <paramref name="validationCount"/>
    /// training images, chosen by a seeded shuffle, become the validation split (by default one in six, which is
    /// Fashion-MNIST's usual 10,000 of 60,000).
    /// </summary>
    public static FaceDataset LoadFashionMnist(string folder = DebianFashionMnistFolder, int? validationCount = null, int seed = 1)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Fashion-MNIST not found at {folder}. Install Debian's package: sudo apt-get install dataset-fashion-mnist");
        string File(string stem) => Find(folder, stem);
        var (trainPixels, trainCount, height, width) = ReadImages(File("train-images-idx3-ubyte"));
        var trainLabels = ReadLabels(File("train-labels-idx1-ubyte"));
        var (testPixels, testCount, testHeight, testWidth) = ReadImages(File("t10k-images-idx3-ubyte"));
        var testLabels = ReadLabels(File("t10k-labels-idx1-ubyte"));
        if (trainLabels.Length != trainCount || testLabels.Length != testCount)
            throw new InvalidDataException($"{folder}: image and label counts differ ({trainCount}/{trainLabels.Length} train, {testCount}/{testLabels.Length} test).");
        if (testHeight != height || testWidth != width)
            throw new InvalidDataException($"{folder}: train images are {height}x{width} but test images are {testHeight}x{testWidth}.");
        int validation = validationCount ?? Math.Max(1, trainCount / 6);
        if (validation < 1 || validation >= trainCount)
            throw new ArgumentException($"The validation split must take between 1 and {trainCount - 1} of the {trainCount} training images; got {validation}.");

        int size = height * width;
        var all = new FaceSplit("all", trainPixels, trainLabels, size);
        var order = Enumerable.Range(0, trainCount).ToArray();
        new Random(seed).Shuffle(order);
        var valid = all.Subset("valid", order[..validation]);
        var train = all.Subset("train", order[validation..]);
        var test = new FaceSplit("test", testPixels, testLabels, size);
        return new FaceDataset(folder, FashionMnistClasses, new ImageShape(height, width), train, valid, test)
        {
            SplitMethod = $"train and test as given; valid: {validation} training images chosen by a seeded shuffle (seed {seed})",
        };
    }

    private static string Find(string folder, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem, stem.Replace("-idx", ".idx") + ".gz", stem.Replace("-idx", ".idx") })
        {
            string path = Path.Combine(folder, name);
            if (System.IO.File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"{folder}: {stem}(.gz) not found.", Path.Combine(folder, stem + ".gz"));
    }

    private static byte[] ReadAll(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file not found: {path}", path);
        using var file = File.OpenRead(path);
        bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var buffer = new MemoryStream();
        try
        {
            using Stream source = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            // Bounded copy: a gzip bomb or an endless file stops at the limit with a message, not "Stream was too long".
            var chunk = new byte[1 << 16];
            int read;
            while ((read = source.Read(chunk)) > 0)
            {
                if (buffer.Length + read > MaxFileBytes)
                    throw new InvalidDataException($"{path}: more than {MaxFileBytes} bytes{(gzip ? " once decompressed" : "")}; IDX files this loader reads are smaller.");
                buffer.Write(chunk, 0, read);
            }
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: the gzip stream is corrupt: {e.Message}", e);
        }
        return buffer.ToArray();
    }

    /// <summary>The largest IDX file (decompressed) read: 1 GiB, ~17 times Fashion-MNIST's training images.</summary>
    public const long MaxFileBytes = 1L << 30;

    private static uint[] Header(byte[] bytes, string path, int expectedDimensions)
    {
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{path} is not an IDX file (bad magic number).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: IDX data type 0x{bytes[2]:X2} is not supported (unsigned bytes, 0x08, are).");
        if (bytes[3] != expectedDimensions)
            throw new InvalidDataException($"{path}: {bytes[3]} dimensions; expected {expectedDimensions} ({(expectedDimensions == 3 ? "images" : "labels")}).");
        if (bytes.Length < 4 + 4 * expectedDimensions) throw new InvalidDataException($"{path} is truncated inside its header.");
        return Enumerable.Range(0, expectedDimensions).Select(d => BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d))).ToArray();
    }
}
