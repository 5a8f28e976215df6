using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Faces.Pipelines.Data.Numpy;

/// <summary>
/// One array read from a NumPy .npy stream (format versions 1–3): its dtype, shape, and values converted to float
/// in C (row-major) order whatever the file's byte order or Fortran order. Supports bool, (u)int8–64, float16/32/64.
/// </summary>
public sealed partial class NpyArray
{
    private static readonly byte[] Magic = { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' };

    /// <summary>The dtype as written, for example "|u1" or "&lt;f4".</summary>
    public string DType { get; }
    /// <summary>Dimensions.</summary>
    public int[] Shape { get; }
    /// <summary>Values in row-major order.</summary>
    public float[] Values { get; }
    /// <summary>Whether the dtype is an integer or bool type.</summary>
    public bool IsInteger => DType[1] is 'u' or 'i' or 'b';

    private NpyArray(string dtype, int[] shape, float[] values)
    {
        DType = dtype;
        Shape = shape;
        Values = values;
    }

    /// <summary>numpy's own default limit on a header (max_header_size); a longer one is not a real array.</summary>
    public const int MaxHeaderLength = 10000;

    /// <summary>Reads one array from a seekable stream holding it to its end.</summary>
    public static NpyArray Read(Stream stream, string source) => Read(stream, source, stream.Length - stream.Position);

    /// <summary>
    /// Reads one array of <paramref name="length"/> bytes in all; <paramref name="source"/> names it in errors. Every
    /// size the header states is checked against that length before anything is allocated.
    /// </summary>
    public static NpyArray Read(Stream stream, string source, long length)
    {
        var prefix = ReadExactly(stream, 8, source, "header");
        if (!prefix.AsSpan(0, 6).SequenceEqual(Magic)) throw new InvalidDataException($"{source} is not a .npy array (bad magic).");
        int major = prefix[6];
        long headerLength = major switch
        {
            1 => BinaryPrimitives.ReadUInt16LittleEndian(ReadExactly(stream, 2, source, "header length")),
            2 or 3 => BinaryPrimitives.ReadUInt32LittleEndian(ReadExactly(stream, 4, source, "header length")),
            _ => throw new InvalidDataException($"{source}: .npy format version {major} is not supported (1–3 are)."),
        };
        int prefixLength = major == 1 ? 10 : 12;
        if (headerLength > MaxHeaderLength || prefixLength + headerLength > length)
            throw new InvalidDataException($"{source}: the .npy header claims {headerLength} bytes; the array has {length} bytes in all and numpy writes at most {MaxHeaderLength}.");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(ReadExactly(stream, (int)headerLength, source, "header"));

        string dtype = HeaderField(DescrPattern(), header, source, "descr");
        bool fortran = HeaderField(FortranPattern(), header, source, "fortran_order") == "True";
        string shapeText = HeaderField(ShapePattern(), header, source, "shape");
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => int.TryParse(d, out int n) && n >= 0 ? n
                : throw new InvalidDataException($"{source}: shape ({shapeText}) has the dimension '{d}'; dimensions are whole numbers from 0 to {int.MaxValue}."))
            .ToArray();
        int itemSize = ItemSize(dtype, source);
        long dataLength = length - prefixLength - headerLength;
        // Every partial product is bounded by the bytes that follow, so nothing here can overflow.
        long count = 1;
        foreach (int d in shape)
        {
            count *= d;
            if (count * itemSize > dataLength)
                throw new InvalidDataException($"{source} is truncated or damaged: shape ({shapeText}) of {dtype} needs more than the {dataLength} data bytes that follow the header.");
        }
        if (count * itemSize != dataLength)
            throw new InvalidDataException($"{source} is truncated or damaged: shape ({shapeText}) of {dtype} needs {count * itemSize} data bytes but {dataLength} follow the header.");
        if (count > Array.MaxLength) throw new InvalidDataException($"{source}: {count} values is more than one array can hold.");

        var raw = ReadExactly(stream, checked((int)(count * itemSize)), source, "data");
        var values = Convert(raw, dtype, (int)count);
        if (fortran && shape.Length > 1) values = ToRowMajor(values, shape);
        return new NpyArray(dtype, shape, values);
    }

    private static int ItemSize(string dtype, string source)
    {
        if (dtype.Length < 3 || !"<>|=".Contains(dtype[0]) || !int.TryParse(dtype.AsSpan(2), out int size))
            throw new InvalidDataException($"{source}: dtype '{dtype}' is not supported.");
        bool ok = dtype[1] switch
        {
            'b' => size == 1,
            'u' or 'i' => size is 1 or 2 or 4 or 8,
            'f' => size is 2 or 4 or 8,
            _ => false,
        };
        if (!ok) throw new InvalidDataException($"{source}: dtype '{dtype}' is not supported (bool, integers and floats are).");
        return size;
    }

    private static float[] Convert(byte[] raw, string dtype, int count)
    {
        bool big = dtype[0] == '>';
        int size = raw.Length / Math.Max(count, 1);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            var b = raw.AsSpan(i * size, size);
            values[i] = (dtype[1], size) switch
            {
                ('b', _) or ('u', 1) => b[0],
                ('i', 1) => (sbyte)b[0],
                ('u', 2) => big ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b),
                ('i', 2) => big ? BinaryPrimitives.ReadInt16BigEndian(b) : BinaryPrimitives.ReadInt16LittleEndian(b),
                ('u', 4) => big ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b),
                ('i', 4) => big ? BinaryPrimitives.ReadInt32BigEndian(b) : BinaryPrimitives.ReadInt32LittleEndian(b),
                ('u', 8) => big ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b),
                ('i', 8) => big ? BinaryPrimitives.ReadInt64BigEndian(b) : BinaryPrimitives.ReadInt64LittleEndian(b),
                ('f', 2) => (float)(big ? BinaryPrimitives.ReadHalfBigEndian(b) : BinaryPrimitives.ReadHalfLittleEndian(b)),
                ('f', 4) => big ? BinaryPrimitives.ReadSingleBigEndian(b) : BinaryPrimitives.ReadSingleLittleEndian(b),
                _ => (float)(big ? BinaryPrimitives.ReadDoubleBigEndian(b) : BinaryPrimitives.ReadDoubleLittleEndian(b)),
            };
        }
        return values;
    }

    /// <summary>Fortran (column-major) values to row-major for any number of dimensions.</summary>
    private static float[] ToRowMajor(float[] values, int[] shape)
    {
        var result = new float[values.Length];
        var index = new int[shape.Length];
        for (int f = 0; f < values.Length; f++)
        {
            // f enumerates column-major order: the first index varies fastest.
            long c = 0;
            for (int d = 0; d < shape.Length; d++) c = c * shape[d] + index[d];
            result[c] = values[f];
            for (int d = 0; d < shape.Length && ++index[d] == shape[d]; d++) index[d] = 0;
        }
        return result;
    }

    private static string HeaderField(Regex pattern, string header, string source, string field)
    {
        var match = pattern.Match(header);
        if (!match.Success) throw new InvalidDataException($"{source}: the .npy header has no readable '{field}': {header.Trim()}");
        return match.Groups[1].Value;
    }

    private static byte[] ReadExactly(Stream stream, int count, string source, string what)
    {
        var buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n = stream.Read(buffer, read, count - read);
            if (n == 0) throw new InvalidDataException($"{source} is truncated: its {what} ends after {read} of {count} bytes.");
            read += n;
        }
        return buffer;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
