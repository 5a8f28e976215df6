using CsCheck;

namespace Faces.Tests.Hostile;

/// <summary>
/// Ways a valid file goes bad: a flipped bit, a truncation, a 32-bit field overwritten with an extreme value (sizes and
/// counts live in such fields), or bytes inserted. Each case is applied to a copy of the valid bytes.
/// </summary>
internal sealed record Mutation(string Kind, int Offset, uint Value)
{
    private static readonly uint[] Extremes = { 0xFFFFFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0x00010000, 0 };

    public byte[] Apply(byte[] valid)
    {
        int at = valid.Length == 0 ? 0 : Offset % valid.Length;
        switch (Kind)
        {
            case "flip":
            {
                var bytes = (byte[])valid.Clone();
                bytes[at] ^= (byte)(1 << (int)(Value % 8));
                return bytes;
            }
            case "truncate":
                return valid[..at];
            case "extreme":
            {
                var bytes = (byte[])valid.Clone();
                var value = BitConverter.GetBytes(Extremes[Value % Extremes.Length]);
                if (Value / Extremes.Length % 2 == 1) Array.Reverse(value); // big-endian fields too (IDX)
                for (int i = 0; i < 4 && at + i < bytes.Length; i++) bytes[at + i] = value[i];
                return bytes;
            }
            default:
                return valid[..at].Concat(BitConverter.GetBytes(Value)).Concat(valid[at..]).ToArray();
        }
    }

    public override string ToString() => $"{Kind} at {Offset} ({Value:x8})";

    /// <summary>Single flipped bits anywhere in the file.</summary>
    public static Gen<Mutation> Flips(int length) =>
        from offset in CsCheck.Gen.Int[0, Math.Max(length - 1, 0)]
        from value in CsCheck.Gen.UInt
        select new Mutation("flip", offset, value);

    /// <summary>Mutations spread over the whole file, with extra weight on its first 64 bytes (headers).</summary>
    public static Gen<Mutation> Gen(int length) =>
        from kind in CsCheck.Gen.Int[0, 3].Select(i => new[] { "flip", "truncate", "extreme", "insert" }[i])
        from head in CsCheck.Gen.Bool
        from offset in head ? CsCheck.Gen.Int[0, Math.Min(63, Math.Max(length - 1, 0))] : CsCheck.Gen.Int[0, Math.Max(length - 1, 0)]
        from value in CsCheck.Gen.UInt
        select new Mutation(kind, offset, value);
}

/// <summary>What loading a mutated file may do: succeed, or throw the project's data error naming the file — nothing else.</summary>
internal static class Outcome
{
    /// <summary>Managed bytes a load may allocate per byte of input, plus a fixed allowance: a size field cannot buy more.</summary>
    public const long BytesPerInputByte = 64;
    public const long FixedAllowance = 4 << 20;

    /// <summary>
    /// Runs <paramref name="load"/>; returns its result, or null when it threw <see cref="InvalidDataException"/> naming
    /// <paramref name="name"/>. Any other exception, a message without the name, or an allocation above the bound fails.
    /// </summary>
    public static T? SucceedsOrNamesTheFile<T>(Func<T> load, string name, long inputLength, Mutation mutation, long fixedAllowance = FixedAllowance) where T : class
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        T? result = null;
        try
        {
            result = load();
        }
        catch (InvalidDataException e)
        {
            Assert.True(e.Message.Contains(name, StringComparison.Ordinal), $"{mutation}: the error does not name {name}: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{mutation}: {e.GetType().Name} instead of a data error: {e.Message}");
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long bound = inputLength * BytesPerInputByte + fixedAllowance;
        Assert.True(allocated <= bound, $"{mutation}: allocated {allocated:N0} bytes for a {inputLength:N0}-byte file (bound {bound:N0})");
        return result;
    }
}
