using Faces.Pipelines.Imaging;
using System.IO.Compression;
using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Data.Numpy;
using Microsoft.ML;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Faces.Tests.Pipelines;

public sealed class LoaderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-loaders-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private string PathOf(string name) => Path.Combine(folder, name);

    [Fact]
    public void Npy_reads_dtypes_byte_orders_fortran_order_and_version_2_headers()
    {
        var u8 = NpyArray.Read(new MemoryStream(NumpyFiles.Npy("|u1", new[] { 2, 3 }, new byte[] { 0, 1, 2, 250, 254, 255 })), "u8");
        Assert.Equal(new float[] { 0, 1, 2, 250, 254, 255 }, u8.Values);
        Assert.True(u8.IsInteger);

        var bigDoubles = NpyArray.Read(new MemoryStream(NumpyFiles.Npy(">f8", new[] { 3 }, NumpyFiles.DoublesBigEndian(new[] { 1.5, -2.25, 1e10 }))), "f8");
        Assert.Equal(new float[] { 1.5f, -2.25f, 1e10f }, bigDoubles.Values);

        // Fortran order stores columns first: [[1, 2, 3], [4, 5, 6]] is written 1 4 2 5 3 6.
        var fortran = NpyArray.Read(new MemoryStream(NumpyFiles.Npy("<f4", new[] { 2, 3 }, NumpyFiles.Floats(new float[] { 1, 4, 2, 5, 3, 6 }), fortran: true)), "F");
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, fortran.Values);
        var fortran3 = NpyArray.Read(new MemoryStream(NumpyFiles.Npy("|u1", new[] { 2, 2, 2 }, new byte[] { 0, 4, 2, 6, 1, 5, 3, 7 }, fortran: true)), "F3");
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (float)i), fortran3.Values);

        var v2 = NpyArray.Read(new MemoryStream(NumpyFiles.Npy("<i8", new[] { 2 }, NumpyFiles.Longs(new long[] { -3, 7 }), version: 2)), "v2");
        Assert.Equal(new float[] { -3, 7 }, v2.Values);

        var complex = Assert.Throws<InvalidDataException>(() => NpyArray.Read(new MemoryStream(NumpyFiles.Npy("<c8", new[] { 1 }, new byte[8])), "c.npy"));
        Assert.Contains("c.npy", complex.Message);
        Assert.Contains("<c8", complex.Message);
        var truncated = NumpyFiles.Npy("<f4", new[] { 4 }, NumpyFiles.Floats(new float[] { 1, 2, 3, 4 }));
        var error = Assert.Throws<InvalidDataException>(() => NpyArray.Read(new MemoryStream(truncated[..^3]), "t.npy"));
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Tfd_npz_loads_indices_or_one_hot_targets_compressed_or_not(bool oneHot, bool compressed)
    {
        string path = PathOf("tfd.npz");
        NumpyFiles.Tfd(path, new[] { 14, 7, 7 }, oneHot, compressed);
        var data = TfdLoader.Load(path);
        Assert.Equal((14, 7, 7), (data.Train.Count, data.Validation.Count, data.Test.Count));
        Assert.Equal(2304, data.Train.Dimension);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 0 }, data.Validation.Labels);
        Assert.InRange(data.Train.Features.Max(), 0.9f, 1f);
        Assert.Equal(FaceDataset.Emotions, data.ClassNames);
    }

    [Fact]
    public void Tfd_errors_name_the_file_and_the_key()
    {
        string missing = PathOf("missing.npz");
        NumpyFiles.Tfd(missing, new[] { 7, 7, 7 }, false, false, edit: a => a.Remove("target_valid"));
        var e1 = Assert.Throws<InvalidDataException>(() => TfdLoader.Load(missing));
        Assert.Contains("target_valid", e1.Message);
        Assert.Contains("missing.npz", e1.Message);

        string shape = PathOf("shape.npz");
        NumpyFiles.Tfd(shape, new[] { 7, 7, 7 }, false, false, edit: a => a["inputs_test"] = NumpyFiles.Npy("|u1", new[] { 7, 100 }, new byte[700]));
        var e2 = Assert.Throws<InvalidDataException>(() => TfdLoader.Load(shape));
        Assert.Contains("inputs_test", e2.Message);
        Assert.Contains("(7, 100)", e2.Message);

        string label = PathOf("label.npz");
        NumpyFiles.Tfd(label, new[] { 7, 7, 7 }, false, false, edit: a => a["target_train"] = NumpyFiles.Npy("<i8", new[] { 7 }, NumpyFiles.Longs(new long[] { 0, 1, 2, 9, 4, 5, 6 })));
        var e3 = Assert.Throws<InvalidDataException>(() => TfdLoader.Load(label));
        Assert.Contains("target_train row 3", e3.Message.Replace("'", ""));

        string notZip = PathOf("plain.npz");
        File.WriteAllText(notZip, "hello");
        Assert.Contains("not an .npz", Assert.Throws<InvalidDataException>(() => TfdLoader.Load(notZip)).Message);
    }

    [Fact]
    public void Tfd_pixels_are_scaled_by_their_dtype_and_other_integer_dtypes_are_refused()
    {
        static byte[] U16(IEnumerable<int> values) => values.SelectMany(v => BitConverter.GetBytes((ushort)v)).ToArray();
        string wide = PathOf("u16.npz");
        var pixels = Enumerable.Range(0, 7 * 2304).Select(i => i % 3 == 0 ? 65535 : i % 3 == 1 ? 0 : 32768).ToArray();
        NumpyFiles.Tfd(wide, new[] { 7, 7, 7 }, false, false, edit: a => a["inputs_train"] = NumpyFiles.Npy("<u2", new[] { 7, 2304 }, U16(pixels)));
        var train = TfdLoader.Load(wide).Train;
        Assert.Equal(1f, train.Features[0]);
        Assert.Equal(0f, train.Features[1]);
        Assert.Equal(32768f / 65535f, train.Features[2]);

        string signed = PathOf("i32.npz");
        NumpyFiles.Tfd(signed, new[] { 7, 7, 7 }, false, false, edit: a => a["inputs_valid"] = NumpyFiles.Npy("<i4", new[] { 7, 2304 }, new byte[7 * 2304 * 4]));
        var error = Assert.Throws<InvalidDataException>(() => TfdLoader.Load(signed));
        Assert.Contains("inputs_valid", error.Message);
        Assert.Contains("<i4", error.Message);
    }

    [Fact]
    public void Fer2013_csv_maps_usage_to_splits_and_names_bad_lines()
    {
        string Row(int emotion, string usage, int shade) => $"{emotion},{string.Join(' ', Enumerable.Repeat(shade, 2304))},{usage}";
        string path = PathOf("fer.csv");
        File.WriteAllLines(path, new[] { "emotion,pixels,Usage", Row(3, "Training", 255), Row(0, "Training", 0), Row(5, "PublicTest", 51), Row(6, "PrivateTest", 102) });
        var data = Fer2013Loader.Load(path);
        Assert.Equal(new[] { 3, 0 }, data.Train.Labels);
        Assert.Equal(new[] { 5 }, data.Validation.Labels);
        Assert.Equal(0.4f, data.Test.Features[0], 6);
        Assert.Equal(1f, data.Train.Features[0]);

        File.WriteAllLines(path, new[] { "emotion,pixels,Usage", Row(3, "Training", 1), "2,1 2 3,PublicTest", Row(6, "PrivateTest", 2) });
        var short_ = Assert.Throws<InvalidDataException>(() => Fer2013Loader.Load(path));
        Assert.Contains("line 3", short_.Message);
        Assert.Contains("3 pixels", short_.Message);

        File.WriteAllLines(path, new[] { "emotion,pixels,Usage", Row(3, "Holdout", 1) });
        Assert.Contains("Holdout", Assert.Throws<InvalidDataException>(() => Fer2013Loader.Load(path)).Message);
        File.WriteAllLines(path, new[] { "label,pixels,Usage" });
        Assert.Contains("'emotion'", Assert.Throws<InvalidDataException>(() => Fer2013Loader.Load(path)).Message);
    }

    private static byte[] Idx(byte dimensions, int[] dims, byte[] data)
    {
        var header = new List<byte> { 0, 0, 0x08, dimensions };
        foreach (var d in dims) header.AddRange(BitConverter.GetBytes(d).Reverse());
        return header.Concat(data).ToArray();
    }

    private static void Gzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    [Fact]
    public void Idx_files_load_gzipped_or_raw_and_fashion_mnist_carves_a_seeded_validation_split()
    {
        string dir = PathOf("fmnist");
        Directory.CreateDirectory(dir);
        var pixels = Enumerable.Range(0, 20 * 4 * 4).Select(i => (byte)(i % 256)).ToArray();
        Gzip(Path.Combine(dir, "train-images-idx3-ubyte.gz"), Idx(3, new[] { 20, 4, 4 }, pixels));
        Gzip(Path.Combine(dir, "train-labels-idx1-ubyte.gz"), Idx(1, new[] { 20 }, Enumerable.Range(0, 20).Select(i => (byte)(i % 10)).ToArray()));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), Idx(3, new[] { 5, 4, 4 }, new byte[80]));
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx(1, new[] { 5 }, new byte[] { 9, 8, 7, 6, 5 }));

        var a = IdxLoader.LoadFashionMnist(dir, validationCount: 4, seed: 3);
        var b = IdxLoader.LoadFashionMnist(dir, validationCount: 4, seed: 3);
        var c = IdxLoader.LoadFashionMnist(dir, validationCount: 4, seed: 4);
        Assert.Equal((16, 4, 5), (a.Train.Count, a.Validation.Count, a.Test.Count));
        Assert.Equal(new ImageShape(4, 4), a.Shape);
        Assert.Equal(a.Validation.Labels, b.Validation.Labels);
        Assert.NotEqual(a.Validation.Features, c.Validation.Features);
        Assert.Equal(new[] { 9, 8, 7, 6, 5 }, a.Test.Labels);
        // Train and valid together are exactly the 20 training images.
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i % 10).Order(), a.Train.Labels.Concat(a.Validation.Labels).Order());

        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx(1, new[] { 6 }, new byte[] { 9, 8, 7, 6, 5 }));
        var bad = Assert.Throws<InvalidDataException>(() => IdxLoader.LoadFashionMnist(dir, validationCount: 4));
        Assert.Contains("t10k-labels-idx1-ubyte", bad.Message);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        Assert.Contains("not an IDX file", Assert.Throws<InvalidDataException>(() => IdxLoader.LoadFashionMnist(dir, validationCount: 4)).Message);

        // Without a count, one training image in six becomes validation (Fashion-MNIST's 10,000 of 60,000).
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), Idx(1, new[] { 5 }, new byte[] { 9, 8, 7, 6, 5 }));
        var proportional = IdxLoader.LoadFashionMnist(dir);
        Assert.Equal((17, 3), (proportional.Train.Count, proportional.Validation.Count));

        var absent = Assert.Throws<DirectoryNotFoundException>(() => IdxLoader.LoadFashionMnist(PathOf("nowhere")));
        Assert.Contains("apt-get install dataset-fashion-mnist", absent.Message);
    }

    [Fact]
    public void Fer2013_as_a_csv_and_as_image_folders_gives_the_same_classes_rows_and_pixels()
    {
        // FER2013's two public forms, generated: the csv (emotion index, pixels, Usage) and the folders of the GitHub
        // copy (train/validation/test, each with angry, disgust, fear, happy, neutral, sad, surprise).
        string[] folderNames = { "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral" }; // csv index order
        (string Usage, string Folder)[] splits = { ("Training", "train"), ("PublicTest", "validation"), ("PrivateTest", "test") };
        var random = new Random(9);
        var lines = new List<string> { "emotion,pixels,Usage" };
        int file = 0;
        foreach (var (usage, split) in splits)
        for (int emotion = 0; emotion < 7; emotion++)
        for (int copy = 0; copy < (emotion == 1 ? 1 : 2) + (usage == "Training" ? 1 : 0); copy++)
        {
            var pixels = Enumerable.Range(0, 2304).Select(_ => (byte)random.Next(256)).ToArray();
            lines.Add($"{emotion},{string.Join(' ', pixels)},{usage}");
            string path = PathOf(Path.Combine("fer", split, folderNames[emotion], $"{file++:D4}.png"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var bitmap = new SKBitmap(48, 48, SKColorType.Gray8, SKAlphaType.Opaque);
            System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
            using var stream = File.Create(path);
            bitmap.Encode(stream, SKEncodedImageFormat.Png, 100);
        }
        File.WriteAllLines(PathOf("fer.csv"), lines);

        var csv = Fer2013Loader.Load(PathOf("fer.csv"));
        var folders = DataSources.Load(new MLContext(1), PathOf("fer"));
        Assert.Equal(FaceDataset.Emotions, csv.ClassNames);
        Assert.Equal(csv.ClassNames, folders.ClassNames); // 'angry' is anger, in the csv's index order
        foreach (var (a, b) in csv.Splits.Zip(folders.Splits))
        {
            Assert.Equal(a.Labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())), b.Labels.GroupBy(l => l).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));
            Assert.Equal(a.Labels, b.Labels);       // both in class order, then file order
            Assert.Equal(a.Features, b.Features);   // PNG is lossless: the very same pixels
        }
    }

    [Theory]
    [InlineData("angry", "anger")]
    [InlineData("Happiness", "happy")]
    [InlineData("sadness", "sad")]
    [InlineData("surprised", "surprise")]
    [InlineData("fearful", "fear")]
    [InlineData("disgusted", "disgust")]
    [InlineData("neutral", "neutral")]
    [InlineData("contempt", null)]
    public void Expression_folder_names_map_to_one_canonical_name(string folder, string? canonical) =>
        Assert.Equal(canonical, EmotionNames.Canonical(folder));

    private static void Png(string path, int width, int height, bool colour, byte shade)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(width, height, colour ? SKColorType.Rgba8888 : SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(colour ? new SKColor(shade, shade, shade) : new SKColor(shade, shade, shade));
        using var file = File.Create(path);
        bitmap.Encode(file, path.EndsWith(".jpg") ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, 100);
    }

    [Fact]
    public void Image_folders_load_any_size_and_colour_as_48x48_grayscale_with_clear_errors()
    {
        string root = PathOf("images");
        for (int i = 0; i < 10; i++)
        {
            Png(Path.Combine(root, "happy", $"h{i}.png"), 30 + 7 * i, 60, colour: i % 2 == 0, shade: 255);
            Png(Path.Combine(root, "sad", $"s{i}.jpg"), 64, 64, colour: true, shade: 0);
        }
        var ml = new MLContext(seed: 1);
        var data = ImageFolderLoader.Load(ml, root);
        Assert.Equal(FaceDataset.Emotions, data.ClassNames); // folders named after expressions keep TFD's order
        Assert.Equal(20, data.Train.Count + data.Validation.Count + data.Test.Count);
        Assert.Equal((2, 2), (data.Validation.Count, data.Test.Count));
        for (int n = 0; n < data.Train.Count; n++)
        {
            float mean = data.Train.Row(n).ToArray().Average();
            Assert.Equal(data.Train.Labels[n] == 3 ? 1.0 : 0.0, mean, 1);
        }

        File.WriteAllText(Path.Combine(root, "sad", "notes.png"), "not an image");
        var notImage = Assert.Throws<InvalidDataException>(() => ImageFolderLoader.Load(ml, root));
        Assert.Contains("notes.png", notImage.Message);
        File.Delete(Path.Combine(root, "sad", "notes.png"));

        Directory.CreateDirectory(Path.Combine(root, "fear"));
        var empty = Assert.Throws<InvalidDataException>(() => ImageFolderLoader.Load(ml, root));
        Assert.Contains("fear", empty.Message);
        Assert.Contains("empty", empty.Message);
    }

    [Fact]
    public void Image_folders_with_split_subfolders_keep_their_splits_and_other_names_sort()
    {
        string root = PathOf("split-images");
        foreach (var split in new[] { "train", "valid", "test" })
        foreach (var cls in new[] { "cat", "dog" })
            Png(Path.Combine(root, split, cls, "a.png"), 20, 20, false, cls == "cat" ? (byte)10 : (byte)200);
        var data = ImageFolderLoader.Load(new MLContext(1), root);
        Assert.Equal(new[] { "cat", "dog" }, data.ClassNames);
        Assert.Equal((2, 2, 2), (data.Train.Count, data.Validation.Count, data.Test.Count));

        Directory.Delete(Path.Combine(root, "test"), true);
        var noTest = Assert.Throws<InvalidDataException>(() => ImageFolderLoader.Load(new MLContext(1), root));
        Assert.Contains("no test folder", noTest.Message);
    }

    [Fact]
    public void Synthetic_faces_are_deterministic_balanced_and_sized_like_tfd()
    {
        var a = SyntheticFaces.Generate();
        Assert.Equal((3374, 419, 385), (a.Train.Count, a.Validation.Count, a.Test.Count));
        var small = new SyntheticFaces.Options { TrainCount = 70, ValidationCount = 20, TestCount = 15, Seed = 5 };
        var b = SyntheticFaces.Generate(small);
        var c = SyntheticFaces.Generate(small);
        var d = SyntheticFaces.Generate(small with { Seed = 6 });
        Assert.Equal(b.Train.Features, c.Train.Features);
        Assert.Equal(b.Test.Labels, c.Test.Labels);
        Assert.NotEqual(b.Train.Features, d.Train.Features);
        foreach (var split in a.Splits)
        {
            var counts = split.ClassCounts(7);
            Assert.True(counts.Max() - counts.Min() <= 1, $"{split.Name}: {string.Join(",", counts)}");
        }
        Assert.All(a.Train.Features, v => Assert.InRange(v, 0f, 1f));
        // Images of one class differ (identity, pose, lighting, noise), so the task is not a lookup.
        Assert.NotEqual(a.Train.Row(0).ToArray(), a.Train.Row(Array.IndexOf(a.Train.Labels, a.Train.Labels[0], 1)).ToArray());
    }

    [Fact]
    public void Datasets_become_IDataViews_with_a_named_key_label()
    {
        var data = SyntheticFaces.Generate(new SyntheticFaces.Options { TrainCount = 14, ValidationCount = 7, TestCount = 7 });
        var ml = new MLContext(1);
        var view = data.ToDataView(ml, data.Train);
        Assert.Equal(2304, ((VectorDataViewType)view.Schema["Features"].Type).Size);
        Assert.Equal(7UL, ((KeyDataViewType)view.Schema["Label"].Type).Count);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        view.Schema["Label"].GetKeyValues(ref names);
        Assert.Equal(FaceDataset.Emotions, names.DenseValues().Select(n => n.ToString()));
        Assert.Equal(data.Train.Labels.Select(l => (uint)l + 1), view.GetColumn<uint>("Label"));
        Assert.Equal(data.Train.Count, view.GetRowCount());
        var first = view.GetColumn<float[]>("Features").First();
        Assert.Equal(data.Train.Row(0).ToArray(), first);
    }
}
