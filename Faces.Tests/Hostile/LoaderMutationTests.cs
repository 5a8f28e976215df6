using Faces.Pipelines.Imaging;
using System.IO.Compression;
using CsCheck;
using Faces.Pipelines.Data;
using Faces.Pipelines.Data.Loaders;
using Faces.Pipelines.Data.Numpy;
using Faces.Tests.Pipelines;
using SkiaSharp;

namespace Faces.Tests.Hostile;

/// <summary>
/// Every loader, fed mutated copies of a valid file: each load either succeeds (with the original data where the
/// format can tell a change) or throws <see cref="InvalidDataException"/> naming the file, within an allocation bound.
/// </summary>
public sealed class LoaderMutationTests : IDisposable
{
    internal const int Iterations = 1000;
    private readonly string folder = Directory.CreateTempSubdirectory("faces-mutations-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private string PathOf(string name) => Path.Combine(folder, name);

    [Fact]
    public void Npy_streams()
    {
        var valid = NumpyFiles.Npy("<f4", new[] { 3, 5 }, NumpyFiles.Floats(Enumerable.Range(0, 15).Select(i => i * 0.5f)));
        Mutation.Gen(valid.Length).Sample(mutation =>
        {
            var bytes = mutation.Apply(valid);
            Outcome.SucceedsOrNamesTheFile(() => NpyArray.Read(new MemoryStream(bytes), "mutated.npy"), "mutated.npy", bytes.Length, mutation);
        }, iter: Iterations, threads: 1);
    }

    /// <summary>The headers that crashed earlier versions (overflow, out of memory): each is now a data error naming the array.</summary>
    [Theory]
    [InlineData("(1000000000000, 2304)", 1)]
    [InlineData("(-1, 2304)", 1)]
    [InlineData("(4294967296, 4294967296)", 1)]
    [InlineData("(2147483647, 2147483647)", 1)]
    [InlineData("(3, 5)", 0xFFFFFFFF)]
    [InlineData("(3, 5)", 0x7FFFFFFF)]
    public void Npy_headers_with_impossible_sizes_are_refused_before_allocating(string shape, uint headerLength)
    {
        var valid = NumpyFiles.Npy("<f4", new[] { 3, 5 }, new byte[60], version: 2);
        var text = System.Text.Encoding.Latin1.GetString(valid);
        var bytes = System.Text.Encoding.Latin1.GetBytes(text.Replace("(3, 5)", shape));
        if (headerLength != 1) BitConverter.GetBytes(headerLength).CopyTo(bytes, 8);
        var mutation = new Mutation($"header {shape} length {headerLength:x}", 0, 0);
        var array = Outcome.SucceedsOrNamesTheFile(() => NpyArray.Read(new MemoryStream(bytes), "inputs_train"), "inputs_train", bytes.Length, mutation);
        Assert.Null(array);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Npz_archives_are_checked_against_their_CRC(bool compressed)
    {
        string source = PathOf("valid.npz");
        NumpyFiles.Tfd(source, new[] { 4, 2, 2 }, oneHot: false, compressed: compressed);
        var valid = File.ReadAllBytes(source);
        var original = TfdLoader.Load(source);
        string path = PathOf("mutated.npz");
        Mutation.Gen(valid.Length).Sample(mutation =>
        {
            var bytes = mutation.Apply(valid);
            File.WriteAllBytes(path, bytes);
            var loaded = Outcome.SucceedsOrNamesTheFile(() => TfdLoader.Load(path), path, bytes.Length, mutation);
            if (loaded == null) return;
            // Only bytes outside every member's data (zip metadata) may change without an error.
            foreach (var (a, b) in original.Splits.Zip(loaded.Splits))
            {
                Assert.True(a.Features.SequenceEqual(b.Features), $"{mutation}: split {a.Name} loaded with other pixels");
                Assert.Equal(a.Labels, b.Labels);
            }
        }, iter: Iterations, threads: 1);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_image_files(bool gzip)
    {
        var header = new List<byte> { 0, 0, 0x08, 3 };
        foreach (var d in new[] { 6, 4, 4 }) header.AddRange(BitConverter.GetBytes(d).Reverse());
        var raw = header.Concat(Enumerable.Range(0, 96).Select(i => (byte)i)).ToArray();
        var valid = raw;
        if (gzip)
        {
            using var buffer = new MemoryStream();
            using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(raw);
            valid = buffer.ToArray();
        }
        string path = PathOf(gzip ? "images.idx.gz" : "images.idx");
        Mutation.Gen(valid.Length).Sample(mutation =>
        {
            var bytes = mutation.Apply(valid);
            File.WriteAllBytes(path, bytes);
            Outcome.SucceedsOrNamesTheFile(() => (object)IdxLoader.ReadImages(path), path, Math.Max(bytes.Length, raw.Length), mutation);
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void Fer2013_csv()
    {
        var random = new Random(1);
        var lines = new[] { "emotion,pixels,Usage" }.Concat(new[] { "Training", "PublicTest", "PrivateTest" }
            .Select((usage, i) => $"{i},{string.Join(' ', Enumerable.Range(0, 2304).Select(_ => random.Next(256)))},{usage}"));
        var valid = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines));
        string path = PathOf("fer.csv");
        Mutation.Gen(valid.Length).Sample(mutation =>
        {
            var bytes = mutation.Apply(valid);
            File.WriteAllBytes(path, bytes);
            Outcome.SucceedsOrNamesTheFile(() => Fer2013Loader.Load(path), path, bytes.Length, mutation);
        }, iter: Iterations, threads: 1);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    public void Image_files(SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(40, 30, SKColorType.Rgba8888, SKAlphaType.Premul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.DarkGray);
            canvas.DrawCircle(20, 15, 10, new SKPaint { Color = SKColors.White });
        }
        using var data = bitmap.Encode(format, 90);
        var valid = data.ToArray();
        string path = PathOf(format == SKEncodedImageFormat.Png ? "face.png" : "face.jpg");
        Mutation.Gen(valid.Length).Sample(mutation =>
        {
            var bytes = mutation.Apply(valid);
            File.WriteAllBytes(path, bytes);
            Outcome.SucceedsOrNamesTheFile(() => { ImageFiles.Check(path); return path; }, path, bytes.Length + 40 * 30 * 4, mutation);
            // What the check lets through, the ML.NET image pipeline must read too.
        }, iter: Iterations, threads: 1);
    }

    /// <summary>
    /// Phone photos: a JPEG whose Exif segment carries each of the eight orientations, damaged — the orientation tag
    /// and the segment's sizes included (the first 64 bytes are weighted) — reads upright or names the file.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    public void Image_files_with_an_exif_orientation(int orientation)
    {
        using var bitmap = new SKBitmap(40, 30, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.DarkGray);
            canvas.DrawCircle(12, 10, 6, new SKPaint { Color = SKColors.White });
        }
        var valid = OrientedPhotos.Jpeg(bitmap, orientation);
        string path = PathOf($"phone-{orientation}.jpg");
        File.WriteAllBytes(path, valid);
        var (_, width, height) = ImageFiles.ReadGray(path);
        Assert.Equal((40, 30), (width, height)); // upright again
        Mutation.Gen(valid.Length).Sample(mutation =>
        {
            var bytes = mutation.Apply(valid);
            File.WriteAllBytes(path, bytes);
            Outcome.SucceedsOrNamesTheFile(() => (object)ImageFiles.ReadGray(path), path, bytes.Length + 40 * 30 * 8, mutation);
        }, iter: Iterations, threads: 1);
    }
}
