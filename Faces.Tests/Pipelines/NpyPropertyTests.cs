using System.Buffers.Binary;
using CsCheck;
using Faces.Pipelines.Data.Numpy;

namespace Faces.Tests.Pipelines;

/// <summary>Property tests: any shape, dtype, byte order and memory order reads back as the same row-major values.</summary>
public sealed class NpyPropertyTests
{
    private static readonly string[] DTypes = { "|u1", "|i1", "<u2", ">u2", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8", "<f4", ">f4", "<f8", ">f8" };

    private static byte[] Encode(string dtype, IReadOnlyList<int> values)
    {
        int size = int.Parse(dtype[2..]);
        bool big = dtype[0] == '>';
        var bytes = new byte[values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            var span = bytes.AsSpan(i * size, size);
            int v = values[i];
            switch (dtype[1], size)
            {
                case ('u', 1): span[0] = (byte)v; break;
                case ('i', 1): span[0] = (byte)(sbyte)v; break;
                case ('u', 2): if (big) BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v); break;
                case ('i', 2): if (big) BinaryPrimitives.WriteInt16BigEndian(span, (short)v); else BinaryPrimitives.WriteInt16LittleEndian(span, (short)v); break;
                case ('i', 4): if (big) BinaryPrimitives.WriteInt32BigEndian(span, v); else BinaryPrimitives.WriteInt32LittleEndian(span, v); break;
                case ('i', 8): if (big) BinaryPrimitives.WriteInt64BigEndian(span, v); else BinaryPrimitives.WriteInt64LittleEndian(span, v); break;
                case ('f', 4): if (big) BinaryPrimitives.WriteSingleBigEndian(span, v); else BinaryPrimitives.WriteSingleLittleEndian(span, v); break;
                default: if (big) BinaryPrimitives.WriteDoubleBigEndian(span, v); else BinaryPrimitives.WriteDoubleLittleEndian(span, v); break;
            }
        }
        return bytes;
    }

    /// <summary>Column-major order of a row-major array: the first index varies fastest.</summary>
    private static List<int> ToColumnMajor(IReadOnlyList<int> rowMajor, int[] shape)
    {
        var result = new List<int>(rowMajor.Count);
        var index = new int[shape.Length];
        for (int f = 0; f < rowMajor.Count; f++)
        {
            int c = 0;
            for (int d = 0; d < shape.Length; d++) c = c * shape[d] + index[d];
            result.Add(rowMajor[c]);
            for (int d = 0; d < shape.Length && ++index[d] == shape[d]; d++) index[d] = 0;
        }
        return result;
    }

    [Fact]
    public void Any_array_reads_back_in_row_major_order()
    {
        var cases =
            from dtype in Gen.Int[0, DTypes.Length - 1].Select(i => DTypes[i])
            from shape in Gen.Int[1, 4].Array[1, 4]
            from fortran in Gen.Bool
            from version in Gen.Int[1, 3]
            from values in Gen.Int[0, 100].List[shape.Aggregate(1, (a, d) => a * d)]
            select (dtype, shape, fortran, version, values);
        cases.Sample(c =>
        {
            var stored = c.fortran ? ToColumnMajor(c.values, c.shape) : c.values;
            var bytes = NumpyFiles.Npy(c.dtype, c.shape, Encode(c.dtype, stored), c.fortran, c.version);
            var array = NpyArray.Read(new MemoryStream(bytes), "property");
            Assert.Equal(c.shape, array.Shape);
            Assert.Equal(c.values.Select(v => (float)v), array.Values);
        }, iter: 300);
    }
}
