using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Conformance;

/// <summary>Every Faces estimator through <see cref="EstimatorConformance"/>.</summary>
public sealed class EstimatorConformanceTests
{
    private const int Side = 6;

    private sealed class Row
    {
        public string Label { get; set; } = "";
        [VectorType(Side * Side)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class ScalarFeatures
    {
        public string Label { get; set; } = "";
        public float Features { get; set; }
    }

    private sealed class OtherName
    {
        [VectorType(Side * Side)] public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    private static List<Row> Rows(int count)
    {
        var random = new Random(4);
        string[] names = { "anger", "happy", "sad" };
        return Enumerable.Range(0, count).Select(n => new Row
        {
            Label = names[n % 3],
            Features = Enumerable.Range(0, Side * Side).Select(i => (float)(random.NextDouble() * 0.3 + (i / Side / 2 == n % 3 ? 0.6 : 0))).ToArray(),
        }).ToList();
    }

    public static TheoryData<string> Estimators => new() { "mog", "mlp", "cnn", "expressionnet", "mixture" };

    [Theory]
    [MemberData(nameof(Estimators))]
    public void Estimator_conforms(string kind)
    {
        var ml = new MLContext(seed: 1);
        var raw = ml.Data.LoadFromEnumerable(Rows(60));
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(raw);
        var valid = keys.Transform(raw);
        var invalidFeatures = keys.Transform(ml.Data.LoadFromEnumerable(new[] { new ScalarFeatures { Label = "anger" }, new ScalarFeatures { Label = "happy" } }));
        var noFeatures = ml.Data.LoadFromEnumerable(new[] { new OtherName { Pixels = new float[Side * Side] } });
        var c = kind switch
        {
            "mog" => new EstimatorConformance.Case(ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options { Mixture = new() { Components = 2 } }),
                valid, invalidFeatures, "Features", "Score"),
            "mlp" => new EstimatorConformance.Case(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options
                {
                    Architecture = new MlpArchitecture { Hidden = new[] { 8 } }, Training = TrainingOptions.ForMlp with { Epochs = 3, BatchSize = 10 },
                }), valid, invalidFeatures, "Features", "Score"),
            "cnn" => new EstimatorConformance.Case(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
                {
                    Architecture = new CnnArchitecture { Height = Side, Width = Side, Filters1 = 2, Filters2 = 3, Pool1 = 2, Pool2 = 1, FilterSize = 3 },
                    Training = TrainingOptions.ForCnn with { Epochs = 2, BatchSize = 10 },
                }), valid, invalidFeatures, "Features", "Score"),
            "expressionnet" => new EstimatorConformance.Case(ml.MulticlassClassification.Trainers.ExpressionNet(new ExpressionNetTrainer.Options
                {
                    Architecture = new ExpressionNetArchitecture { Height = Side, Width = Side, Widths = new[] { 2, 3 }, Hidden = 8 },
                    Training = ExpressionNetTrainer.Options.DefaultTraining with { Epochs = 2, BatchSize = 10 },
                }), valid, invalidFeatures, "Features", "Score"),
            _ => new EstimatorConformance.Case(ml.Transforms.GaussianMixture("Features", components: 2), valid, noFeatures, "Features", "Responsibilities"),
        };
        Assert.Equal(60, EstimatorConformance.Check(ml, c)); // every row of the valid data, here and in a fresh process
    }
}
