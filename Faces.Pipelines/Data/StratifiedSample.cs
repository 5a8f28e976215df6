namespace Faces.Pipelines.Data;

/// <summary>
/// A smaller copy of a dataset with each split cut to a given size, every class keeping its share of the split (largest
/// remainders get the leftover rows), the rows drawn by a seeded shuffle and kept in their original order.
/// </summary>
public static class StratifiedSample
{
    /// <summary>TFD's split sizes in the study (3,374 / 419 / 385): FER2013 at the study's scale.</summary>
    public static readonly (int Train, int Validation, int Test) TfdSizes = (3374, 419, 385);

    /// <summary>The dataset with splits of at most the given sizes (a split already that small is kept whole).</summary>
    public static FaceDataset Of(FaceDataset data, (int Train, int Validation, int Test) sizes, int seed)
    {
        if (sizes.Train < 1 || sizes.Validation < 1 || sizes.Test < 1) throw new ArgumentException($"Sample sizes must be positive; got {sizes}.");
        var random = new Random(seed);
        FaceSplit Cut(FaceSplit split, int size)
        {
            if (split.Count <= size) return split;
            var byClass = Enumerable.Range(0, split.Count).GroupBy(i => split.Labels[i]).OrderBy(g => g.Key).ToList();
            var exact = byClass.Select(g => (double)g.Count() * size / split.Count).ToList();
            var quota = exact.Select(e => (int)Math.Floor(e)).ToArray();
            foreach (int k in Enumerable.Range(0, quota.Length).OrderByDescending(k => exact[k] - quota[k]).ThenBy(k => k).Take(size - quota.Sum())) quota[k]++;
            var kept = byClass.SelectMany((g, k) => g.OrderBy(_ => random.Next()).Take(quota[k])).Order().ToList();
            return split.Subset(split.Name, kept);
        }
        return new FaceDataset($"{data.Source} (stratified sample {sizes.Train}/{sizes.Validation}/{sizes.Test}, seed {seed})", data.ClassNames, data.Shape,
            Cut(data.Train, sizes.Train), Cut(data.Validation, sizes.Validation), Cut(data.Test, sizes.Test))
        {
            SplitMethod = $"{data.SplitMethod}; each split a stratified sample (seed {seed})",
            Warnings = data.Warnings,
        };
    }
}
