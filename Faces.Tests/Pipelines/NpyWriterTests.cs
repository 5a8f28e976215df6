using Faces.Pipelines.Data.Numpy;

namespace Faces.Tests.Pipelines;

/// <summary>The .npy files handed to the benchmark peers: numpy's format 1.0, read back by Faces' own strict reader.</summary>
public sealed class NpyWriterTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("faces-npy-writer-").FullName;

    public void Dispose() => Directory.Delete(folder, true);

    [Theory]
    [InlineData(new long[] { 5 })]
    [InlineData(new long[] { 3, 4 })]
    [InlineData(new long[] { 2, 1, 5, 5 })]
    public void Float32_and_float64_arrays_read_back_with_their_shape_and_values(long[] shape)
    {
        int count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var floats = Enumerable.Range(0, count).Select(i => i * 0.25f - 1.5f).ToArray();
        var doubles = Enumerable.Range(0, count).Select(i => i * 0.125 + 3).ToArray();
        string f4 = Path.Combine(folder, "a.npy"), f8 = Path.Combine(folder, "b.npy");
        NpyWriter.WriteFloat32(f4, shape, floats);
        NpyWriter.WriteFloat64(f8, shape, doubles);

        using (var stream = File.OpenRead(f4))
        {
            var array = NpyArray.Read(stream, f4);
            Assert.Equal("<f4", array.DType);
            Assert.Equal(shape.Select(d => (int)d), array.Shape);
            Assert.Equal(floats, array.Values);
        }
        using (var stream = File.OpenRead(f8))
        {
            var array = NpyArray.Read(stream, f8);
            Assert.Equal("<f8", array.DType);
            Assert.Equal(shape.Select(d => (int)d), array.Shape);
            Assert.Equal(doubles.Select(d => (float)d), array.Values);
        }
        // numpy aligns the data to 64 bytes: magic, version, header length and header fill a multiple of 64.
        var bytes = File.ReadAllBytes(f4);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, (10 + headerLength) % 64);
        Assert.Equal(bytes.Length, 10 + headerLength + 4 * count);
    }

    [Fact]
    public void A_shape_that_does_not_hold_the_values_is_refused_and_nothing_is_written()
    {
        string path = Path.Combine(folder, "bad.npy");
        var error = Assert.Throws<ArgumentException>(() => NpyWriter.WriteFloat32(path, new long[] { 2, 3 }, new float[5]));
        Assert.Contains("holds 6 values; got 5", error.Message);
        Assert.False(File.Exists(path));
    }
}
