using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Mixtures;

public sealed class GaussianMixtureEstimatorTests
{
    private const int Width = 4;

    private sealed class Row
    {
        [VectorType(Width)] public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    private sealed class Output
    {
        public float[] Responsibilities { get; set; } = Array.Empty<float>();
        public double LogLikelihood { get; set; }
    }

    /// <summary>Two well separated blobs, 70% / 30%.</summary>
    private static List<Row> Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            bool second = random.NextDouble() < 0.3;
            return new Row { Pixels = Enumerable.Range(0, Width).Select(d => (float)((second ? 4 : 0) + (d == 0 && second ? 2 : 0) + 0.5 * (random.NextDouble() - 0.5))).ToArray() };
        }).ToList();
    }

    [Fact]
    public void Fits_a_mixture_and_adds_responsibilities_and_log_likelihood()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(400, 1));
        using var model = ml.Transforms.GaussianMixture("Pixels", components: 2, initialization: MixtureInitialization.KMeans).Fit(data);
        var output = model.Transform(ml.Data.LoadFromEnumerable(Rows(50, 2)));

        var responsibilities = output.GetColumn<float[]>("Responsibilities").ToList();
        var logLikelihoods = output.GetColumn<double>("LogLikelihood").ToList();
        Assert.All(responsibilities, r => Assert.Equal(1.0, r.Sum(), 5));
        Assert.All(responsibilities, r => Assert.True(r.Max() > 0.99, "separated blobs give near-hard assignments"));
        var expected = model.Mixture.LogDensity(Rows(50, 2).Select(r => r.Pixels).ToArray());
        for (int n = 0; n < expected.Length; n++) Assert.Equal(expected[n], logLikelihoods[n], 9);
        Assert.Equal(new[] { 0.3, 0.7 }, model.Mixture.Weights.Order().Select(w => Math.Round(w, 1)));
        // Separated blobs converge before the 10 iterations: the default tolerance stops EM there.
        Assert.True(model.Mixture.Converged, $"not converged after {model.Mixture.Iterations} iterations");
        Assert.InRange(model.Mixture.Iterations, 2, 9);
    }

    [Fact]
    public void Output_schema_before_fitting_and_errors_name_the_column()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(20, 3));
        var estimator = ml.Transforms.GaussianMixture("Pixels", components: 2);
        var shape = ml.Transforms.CopyColumns("Copy", "Pixels").GetOutputSchema(
            (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!
                .Invoke(null, new object[] { data.Schema })!);
        var output = estimator.GetOutputSchema(shape);
        Assert.Contains(output, c => c.Name == "Responsibilities" && c.Kind == SchemaShape.Column.VectorKind.Vector);
        Assert.Contains(output, c => c.Name == "LogLikelihood" && c.ItemType == NumberDataViewType.Double);

        var missing = Assert.ThrowsAny<Exception>(() => ml.Transforms.GaussianMixture("Image").GetOutputSchema(shape));
        Assert.Contains("Image", missing.Message);
        var sameNames = Assert.ThrowsAny<Exception>(() => ml.Transforms.GaussianMixture(new GaussianMixtureEstimator.Options
        {
            FeatureColumnName = "Pixels", ResponsibilitiesColumnName = "Out", LogLikelihoodColumnName = "Out",
        }));
        Assert.Contains("'Out'", sameNames.Message);
        var badOptions = Assert.ThrowsAny<Exception>(() => ml.Transforms.GaussianMixture(new GaussianMixtureEstimator.Options
        {
            Mixture = new GaussianMixtureOptions { Components = 0 },
        }));
        Assert.Contains("Components", badOptions.Message);
                var tooFew = Assert.ThrowsAny<Exception>(() => ml.Transforms.GaussianMixture("Pixels", components: 30).Fit(data));
        Assert.Contains("20 rows", tooFew.Message);

        using var model = estimator.Fit(data);
        var wider = ml.Data.LoadFromEnumerable(new[] { new { Pixels = new float[] { 1, 2, 3 } } }.Select(_ => new WideRow()));
        var wrongSize = Assert.ThrowsAny<Exception>(() => model.Transform(wider));
        Assert.Contains("Pixels", wrongSize.Message);
        Assert.Contains("fitted on 4", wrongSize.Message);
    }

    private sealed class WideRow
    {
        [VectorType(6)] public float[] Pixels { get; set; } = new float[6];
    }

    [Fact]
    public void Saved_in_the_model_zip_and_loaded_with_identical_outputs()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Rows(200, 4));
        var pipeline = ml.Transforms.NormalizeMeanVariance("Pixels")
            .Append(ml.Transforms.GaussianMixture(new GaussianMixtureEstimator.Options
            {
                FeatureColumnName = "Pixels",
                Mixture = new GaussianMixtureOptions { Components = 3, CovarianceType = CovarianceType.Full, Initialization = MixtureInitialization.KMeans },
            }));
        var model = pipeline.Fit(data);
        var test = ml.Data.LoadFromEnumerable(Rows(30, 5));
        var expected = model.Transform(test).GetColumn<double>("LogLikelihood").ToList();

        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        Assert.Equal(expected, loaded.Transform(test).GetColumn<double>("LogLikelihood"));
        var mixture = ((TransformerChain<ITransformer>)loaded).OfType<GaussianMixtureTransformer>().Single().Mixture;
        Assert.Equal(model.LastTransformer.Mixture.Means, mixture.Means);
        Assert.Equal(CovarianceType.Full, mixture.CovarianceType);

        var engine = ml.Model.CreatePredictionEngine<Row, Output>(loaded);
        var first = engine.Predict(Rows(30, 5)[0]);
        Assert.Equal(expected[0], first.LogLikelihood);
        Assert.Equal(3, first.Responsibilities.Length);
    }
}
