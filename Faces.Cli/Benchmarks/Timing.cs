using System.Diagnostics;

namespace Faces.Cli.Benchmarks;

/// <summary>Interleaved timing: runs each candidate once per round so drift on a noisy machine hits all alike.</summary>
internal static class Timing
{
    /// <summary>Median seconds per candidate after <paramref name="warmup"/> discarded rounds.</summary>
    public static double[] InterleavedMedians(IReadOnlyList<Action> candidates, int rounds, int warmup = 1)
    {
        var samples = candidates.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < warmup + rounds; round++)
        {
            for (int i = 0; i < candidates.Count; i++)
            {
                var clock = Stopwatch.StartNew();
                candidates[i]();
                if (round >= warmup) samples[i].Add(clock.Elapsed.TotalSeconds);
            }
        }
        return samples.Select(Median).ToArray();
    }

    /// <summary>
    /// A pause before each side's timed region: after a call, OpenBLAS's and OpenMP's worker threads keep spinning on the
    /// cores for up to a few hundred milliseconds, and whichever side ran next was timed against them.
    /// </summary>
    public static void Settle() => Thread.Sleep(400);

    /// <summary>The nearest-rank <paramref name="q"/> quantile (0.5: median, 0.99: p99); NaN for no values.</summary>
    public static double Percentile(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>"median (min–max)", each value written by <paramref name="show"/>.</summary>
    public static string Spread(IReadOnlyCollection<double> values, Func<double, string> show) =>
        $"{show(Median(values))} ({show(values.Min())}–{show(values.Max())})";

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
