using Faces.MLNet;
using Faces.MLNet.Networks;
using Faces.Pipelines.Data;
using Faces.Pipelines.Recognition;
using Faces.Torch.Explain;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Torch;

/// <summary>
/// <see cref="ModelExplainer"/> explains what the network was given: the row after the pipeline's own steps before it
/// (here a mean-variance normalisation), not the raw row; and a mixture model has nothing to explain.
/// </summary>
public sealed class ModelExplainerTests
{
    private sealed class Row
    {
        public uint Label { get; set; }
        [VectorType(16)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void Rows_are_explained_after_the_pipelines_normalisation()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(2);
        var rows = Enumerable.Range(0, 60).Select(n => new Row
        {
            Label = (uint)(n % 2),
            Features = Enumerable.Range(0, 16).Select(i => (float)(random.NextDouble() * 0.3 + (i < 8 == (n % 2 == 0) ? 0.6 : 0))).ToArray(),
        }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features", fixZero: false))
            .Append(ml.MulticlassClassification.Trainers.Mlp(epochs: 3))
            .Fit(data);

        var explainer = ModelExplainer.For(ml, model)!;
        var faces = rows.Take(3).Select(r => r.Features).ToList();
        var maps = explainer.Explain(faces, new[] { 0, 1, 0 });

        var normalised = model.Take(2).Last().Transform(model.Take(1).Single().Transform(data)).GetColumn<float[]>("Features").Take(3).ToList();
        var network = ((ISingleFeaturePredictionTransformer<NetworkModelParameters>)model.Skip(2).First()).Model.Network;
        for (int i = 0; i < 3; i++)
        {
            var direct = SaliencyMaps.For(network, normalised[i], new[] { 0, 1, 0 }[i]);
            Assert.Equal(direct, maps[i]);
            Assert.NotEqual(SaliencyMaps.For(network, faces[i], new[] { 0, 1, 0 }[i]), maps[i]); // the raw row would give another map
        }
        Assert.Throws<ArgumentException>(() => explainer.Explain(faces, new[] { 0 }));
    }

    [Fact]
    public void A_mixture_model_has_no_explainer()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(n => new Row
        {
            Label = (uint)(n % 2), Features = Enumerable.Range(0, 16).Select(i => (float)((n * 7 + i * 3) % 11) / 11).ToArray(),
        }));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(components: 1))
            .Fit(data);
        Assert.Null(ModelExplainer.For(ml, model));
    }
}
