using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using Faces.Tests.Pipelines;

namespace Faces.Tests.Hostile;

/// <summary>
/// The `faces` executable against the hostile inputs that used to crash, hang or answer wrongly: each ends with exit
/// code 2, one line on stderr naming the cause, no stack trace, and nothing left at --out.
/// </summary>
public sealed class CommandLineHostileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-hostile-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    private string PathOf(string name) => Path.Combine(folder, name);

    private static void AssertOneLineError(FacesCli.Result result, params string[] mentions)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.Error}{result.Output}");
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{lines.Length} lines on stderr: {result.Error}");
        Assert.StartsWith("faces: error: ", lines[0]);
        Assert.DoesNotContain("   at ", result.Error + result.Output);
        foreach (var text in mentions) Assert.True(lines[0].Contains(text, StringComparison.Ordinal), $"'{text}' not in: {lines[0]}");
    }

    /// <summary>A FER2013 csv of two separable classes.</summary>
    private string Fer(int rows = 30)
    {
        var random = new Random(2);
        var lines = new List<string> { "emotion,pixels,Usage" };
        for (int n = 0; n < rows; n++)
        {
            int emotion = n % 2 == 0 ? 3 : 5;
            var pixels = Enumerable.Range(0, 2304).Select(i => (i / 48 >= 24) == (emotion == 3) ? 200 + random.Next(40) : random.Next(60));
            lines.Add($"{emotion},{string.Join(' ', pixels)},{(n % 10 == 8 ? "PublicTest" : n % 10 == 9 ? "PrivateTest" : "Training")}");
        }
        string path = PathOf("fer.csv");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>
    /// A PNG with a valid signature and header chunk that claims <paramref name="width"/>x<paramref name="height"/>
    /// pixels, then the start of its pixel data (a few rows' worth), and no more: ~100 bytes on disk.
    /// </summary>
    private static byte[] PngClaiming(uint width, uint height, bool withData = true)
    {
        var png = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        void Chunk(string type, byte[] data)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)data.Length);
            var body = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32.HashToUInt32(body));
            png.AddRange(length.Concat(body).Concat(crc));
        }
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 0; // grayscale
        Chunk("IHDR", header);
        if (withData)
        {
            using var compressed = new MemoryStream();
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true)) zlib.Write(new byte[4096]);
            Chunk("IDAT", compressed.ToArray());
        }
        Chunk("IEND", Array.Empty<byte>());
        return png.ToArray();
    }

    [Fact]
    public void Oversized_data_headers_are_refused_before_allocation()
    {
        string out_ = PathOf("never.zip");
        string npz = PathOf("huge.npz");
        NumpyFiles.Tfd(npz, new[] { 2, 1, 1 }, oneHot: false, compressed: false, edit: arrays =>
            arrays["inputs_train"] = NumpyFiles.Npy("|u1", new[] { 1_000_000_000, 2304 }, new byte[2304]));
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mog", "--data", npz, "--out", out_), "huge.npz", "inputs_train");

        string idx = PathOf("idx");
        Directory.CreateDirectory(idx);
        var images = new byte[] { 0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 28, 0, 0, 0, 28 };
        File.WriteAllBytes(Path.Combine(idx, "train-images-idx3-ubyte"), images);
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mog", "--data", idx, "--out", out_), "train-images-idx3-ubyte", "4294967295");

        // A CSV that never ends a line.
        string endless = PathOf("zero.csv");
        File.CreateSymbolicLink(endless, "/dev/zero");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mog", "--data", endless, "--out", out_), "zero.csv line 1 is longer than");
        Assert.False(File.Exists(out_));
    }

    [Fact]
    public void Images_over_the_pixel_cap_truncated_or_with_a_newline_in_their_name_are_one_line_errors()
    {
        string model = PathOf("mog.zip");
        FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--iterations", "1", "--data", Fer(), "--out", model);

        string huge = PathOf("huge.png");
        File.WriteAllBytes(huge, PngClaiming(100_000, 100_000));
        Assert.True(new FileInfo(huge).Length < 200);
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", model, huge), "huge.png", "100000x100000", "--max-image-pixels");
        File.WriteAllBytes(huge, PngClaiming(100_000, 100_000, withData: false));
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", model, huge), "huge.png", "truncated");

        // The cap is an option: raised above the claim, the file fails on its missing rows (checked one row at a time), not on its size.
        File.WriteAllBytes(huge, PngClaiming(12_000, 10_000));
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", model, huge), "huge.png", "12000x10000");
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", model, "--max-image-pixels", "200000000", huge), "huge.png", "truncated");

        using var bitmap = new SkiaSharp.SKBitmap(60, 60);
        bitmap.Erase(SkiaSharp.SKColors.Gray);
        var png = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100).ToArray();
        string truncated = PathOf("truncated.png");
        File.WriteAllBytes(truncated, png[..(png.Length * 2 / 3)]);
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", model, truncated), "truncated.png");

        string newline = PathOf("two\nlines.png");
        File.WriteAllText(newline, "not an image");
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", model, newline), "two\\nlines.png");
    }

    [Fact]
    public void Damaged_models_and_out_of_range_rows_are_errors_not_answers()
    {
        string model = PathOf("mlp.zip");
        FacesCli.Succeed("train", "--model", "mlp", "--epochs", "2", "--hidden", "4", "--data", Fer(), "--out", model);

        // One flipped byte inside the first entry's data.
        var bytes = File.ReadAllBytes(model);
        using (var zip = new ZipArchive(new MemoryStream(bytes)))
        {
            var entry = zip.Entries.First(e => e.CompressedLength > 100);
            int headerEnd = 30 + Encoding.UTF8.GetByteCount(entry.FullName);
            int offset = IndexOf(bytes, Encoding.UTF8.GetBytes(entry.FullName)) - 30 + headerEnd + 40;
            bytes[offset] ^= 0x10;
        }
        string damaged = PathOf("damaged.zip");
        File.WriteAllBytes(damaged, bytes);
        AssertOneLineError(FacesCli.Run(folder, "evaluate", "--model", damaged, "--data", Fer()), "damaged.zip: entry '");

        // An entry name written twice, as Python's zipfile in mode 'a' writes it: refused by faces predict, by name.
        string repeated = PathOf("repeated.zip");
        File.WriteAllBytes(repeated, ModelMutationTests.WithRepeatedEntry(File.ReadAllBytes(model), "Schema"));
        AssertOneLineError(FacesCli.Run(folder, "predict", "--model", repeated, Detection.FaceDetectorTests.Astronaut), "repeated.zip: entry 'Schema' appears more than once");

        string rows = PathOf("rows.csv");
        File.WriteAllText(rows, string.Join(",", Enumerable.Repeat("-3e38", 2304)) + "\n");
        AssertOneLineError(FacesCli.Run(folder, "score", "--model", model, "--csv", rows), "not finite");
        File.WriteAllText(rows, string.Join(",", Enumerable.Repeat("0.5", 2303).Append("2x")) + "\n");
        AssertOneLineError(FacesCli.Run(folder, "score", "--model", model, "--csv", rows), "rows.csv line 1 column 2304", "'2x'");
    }

    [Fact]
    public void Options_that_would_hang_or_exhaust_memory_are_refused_at_once()
    {
        string out_ = PathOf("never.zip");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mlp", "--threads", "100000", "--out", out_), "--threads 100000");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mlp", "--epochs", "abc", "--out", out_), "abc");
        // The help it points to is the subcommand's own, named in full.
        AssertOneLineError(FacesCli.Run(folder, "benchmark", "real", "--low-memory", "maybe"), "'maybe'", "(faces benchmark real --help lists the options)");
        AssertOneLineError(FacesCli.Run(folder, "train", "--low-memory", "maybe"), "(faces train --help lists the options)");
        // Early stopping needs the validation curve that training on valid gives up: refused before any data is read.
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "cnn", "--preset", "best", "--train-on-valid", "--data", "no-such-folder", "--out", out_),
            "--train-on-valid", "--patience 0");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mlp", "--hidden", "100000000", "--data", Fer(), "--out", out_), "parameters", "at most 100,000,000");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "cnn", "--filters", "100000", "100000", "--data", Fer(), "--out", out_), "parameters");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mlp", "--epochs", "3", "--learning-rate", "1e30", "--data", Fer(), "--out", out_),
            "diverged", "smaller learning rate");
        Assert.False(File.Exists(out_));
    }

    [Theory]
    [InlineData("score --rounds 0", "--rounds 0")]
    [InlineData("score --rows 2000000000", "--rows 2000000000")]
    [InlineData("score --latency-rows -1", "--latency-rows -1")]
    [InlineData("score --threads 100000", "--threads 100000")]
    [InlineData("memory --epochs 0", "--epochs 0")]
    [InlineData("memory --threads -3", "--threads -3")]
    [InlineData("mog --rounds 0", "--rounds 0")]
    [InlineData("fashion --epochs 0", "--epochs 0")]
    [InlineData("serve --model m.zip --photo p.png --clients 8 0", "--clients 0")]
    public void Benchmark_options_out_of_range_are_refused_before_anything_runs(string arguments, string mention)
    {
        var result = FacesCli.Run(folder, new[] { "benchmark" }.Concat(arguments.Split(' ')).ToArray());
        AssertOneLineError(result, mention);
        Assert.DoesNotContain("training", result.Output); // refused at parse time, not after setting up the run
    }

    [Fact]
    public void Outputs_are_checked_before_training_and_killed_runs_leave_nothing_behind()
    {
        string asFolder = PathOf("model-folder");
        Directory.CreateDirectory(asFolder);
        var clock = Stopwatch.StartNew();
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mlp", "--epochs", "1000", "--data", Fer(), "--out", asFolder), "--out", "is a folder");
        AssertOneLineError(FacesCli.Run(folder, "train", "--model", "mlp", "--data", Fer(), "--out", PathOf("m.zip"), "--report", Fer()), "--report", "is a file");

        // What a run killed during its save leaves: a temporary file named after a process that no longer runs.
        using var gone = Process.Start(new ProcessStartInfo("true"))!;
        gone.WaitForExit();
        string model = PathOf("m.zip");
        string stale = $"{model}.tmp-{gone.Id}-{Guid.NewGuid():N}";
        File.WriteAllText(stale, "half a model");
        string foreign = PathOf("keep.tmp-notes.txt");
        File.WriteAllText(foreign, "not Faces' own");
        FacesCli.Succeed("train", "--model", "mog", "--components", "1", "--iterations", "1", "--data", Fer(), "--out", model);
        Assert.False(File.Exists(stale), "the stale temporary file was not removed");
        Assert.True(File.Exists(foreign));
        Assert.True(File.Exists(model));

        // ML.NET's scratch lives in a folder Faces owns and removes: none is left for a process that has ended.
        string scratch = Path.Combine(Path.GetTempPath(), "faces-scratch");
        foreach (var dir in Directory.Exists(scratch) ? Directory.GetDirectories(scratch) : Array.Empty<string>())
            Assert.True(Faces.Torch.IO.AtomicFile.IsRunning(int.Parse(Path.GetFileName(dir))), $"{dir} outlived its process");
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("not found");
    }
}
