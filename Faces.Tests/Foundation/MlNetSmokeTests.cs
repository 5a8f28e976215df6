using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Foundation;

public sealed class MlNetSmokeTests
{
    private sealed class Row
    {
        [VectorType(2)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void MLContext_fits_NormalizeMeanVariance_on_an_in_memory_view()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new Row { Features = new[] { 1f, 10f } }, new Row { Features = new[] { 3f, 30f } },
        });

        var model = ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(data);
        var output = model.Transform(data).GetColumn<float[]>("Features").ToArray();

        // Mean (2, 20), population standard deviation (1, 10): the rows map to -1 and +1 in both slots.
        Assert.Equal(new[] { -1f, -1f }, output[0]);
        Assert.Equal(new[] { 1f, 1f }, output[1]);
    }
}
