using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Pipelines.Onnx;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Faces.Tests.Onnx;

/// <summary>
/// Every Faces classifier, exported with its normaliser and MapKeyToValue as one ONNX graph, scores 1,000 rows in
/// ONNX Runtime (all graph optimisations on) to Faces' own probabilities within 1e-5, and ML.NET's ApplyOnnxModel
/// predicts the same labels.
/// </summary>
public sealed class OnnxExportTests
{
    private const int Side = 16;
    private const float Tolerance = 1e-5f;
    private static readonly string[] Names = { "anger", "happy", "sad" };

    private sealed class Row
    {
        public string Label { get; set; } = "";
        [VectorType(Side * Side)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class FeaturesOnly
    {
        [VectorType(Side * Side)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>
    /// Each class brightens its own band of rows, one side more than the other (so a mirror image differs), under
    /// noise. The few epochs the networks get here need a strong signal and balanced classes; the mixtures get a faint
    /// signal, so that their posteriors are not all saturated and a wrong term anywhere moves them, and classes 3 : 1 : 1,
    /// so that the priors matter.
    /// </summary>
    private static List<Row> Rows(int count, int seed, string kind)
    {
        float signal = kind.StartsWith("mog") ? 6 : 80, slope = kind.StartsWith("mog") ? 1 : 4;
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(n =>
        {
            int label = !kind.StartsWith("mog") ? n % 3 : n % 5 < 3 ? 0 : n % 5 - 2;
            return new Row
            {
                Label = Names[label],
                Features = Enumerable.Range(0, Side * Side).Select(i =>
                    (float)(random.NextDouble() * 120 + (i / Side / 6 == label ? signal + i % Side * slope : 0))).ToArray(),
            };
        }).ToList();
    }

    public static TheoryData<string> Kinds => new()
    {
        "mlp", "cnn", "expressionnet", "mog-diagonal", "mog-spherical", "mog-sharedfull", "mog-full",
    };

    private static IEstimator<ITransformer> Trainer(MLContext ml, string kind) => kind switch
    {
        "mlp" => ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options
        {
            Architecture = new MlpArchitecture { Inputs = Side * Side, Hidden = new[] { 12, 8 } },
            Training = TrainingOptions.ForMlp with { Epochs = 4, BatchSize = 20 },
        }),
        // A 4x4 filter pads one row above and two below (asymmetric 'same'); a 3-pool of 16 drops a remainder.
        "cnn" => ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
        {
            Architecture = new CnnArchitecture { Height = Side, Width = Side, Filters1 = 3, Filters2 = 4, FilterSize = 4, Pool1 = 3, Pool2 = 2 },
            Training = TrainingOptions.ForCnn with { Epochs = 3, BatchSize = 20 },
        }),
        "expressionnet" => ml.MulticlassClassification.Trainers.ExpressionNet(new ExpressionNetTrainer.Options
        {
            Architecture = new ExpressionNetArchitecture { Height = Side, Width = Side, Widths = new[] { 4, 6 }, Hidden = 16, FlipAveraging = true },
            Training = ExpressionNetTrainer.Options.DefaultTraining with { Epochs = 3, BatchSize = 20 },
        }),
        _ => ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options
        {
            // 80 rows a class for 256 dimensions: full covariances need the regularisation to stay positive definite.
            Mixture = new() { Components = 2, CovarianceType = Enum.Parse<CovarianceType>(kind["mog-".Length..], ignoreCase: true), RegCovar = 0.1 },
        }),
    };

    private static (MLContext Ml, ITransformer Model, DataViewSchema Input) Fit(string kind)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Rows(240, 1, kind));
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(Trainer(ml, kind))
            .Fit(train);
        return (ml, model, train.Schema);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Onnx_Runtime_scores_every_row_as_Faces_does(string kind)
    {
        var (ml, model, input) = Fit(kind);
        Assert.Null(OnnxExport.Refusal(ml, model, input));
        var bytes = OnnxExport.Export(ml, model, input);
        var rows = Rows(1000, 2, kind);
        // Faces' side in libtorch, the engine the networks were trained in (the real-face network is scored by ONNX Runtime by default).
        foreach (var network in Faces.Pipelines.Recognition.ModelSteps.Networks(model)) network.Engine = ScoringEngine.Libtorch;
        var faces = model.Transform(ml.Data.LoadFromEnumerable(rows));
        var expected = faces.GetColumn<float[]>("Score").ToArray();
        var keys = faces.GetColumn<uint>("PredictedLabel").ToArray();

        var (scores, labels) = OnnxRunner.Score(bytes, rows.Select(r => r.Features).ToArray());
        for (int n = 0; n < rows.Count; n++)
            for (int c = 0; c < Names.Length; c++)
                Assert.True(Math.Abs(expected[n][c] - scores[n][c]) <= Tolerance, $"row {n}, class {c}: Faces {expected[n][c]}, ONNX Runtime {scores[n][c]}");
        // PredictedLabel comes out as the class name (MapKeyToValue), the same one Faces predicts.
        var expectedNames = keys.Select(k => Names[k - 1]).ToArray();
        Assert.Equal(expectedNames, labels);
        Assert.True(expectedNames.Distinct().Count() > 1, "the model must tell classes apart for the comparison to mean anything");
        if (kind.StartsWith("mog"))
            Assert.True(expected.Count(s => s.Max() < 0.9999f) > 100, "many rows must be unsaturated, or a wrong term could hide in probabilities of 1");

        // ML.NET's OnnxTransformer on the exported file: the same PredictedLabel on every row.
        string path = Path.Combine(Path.GetTempPath(), $"faces-onnx-{kind}-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, bytes);
            var onnx = ml.Transforms.ApplyOnnxModel(OnnxExport.Outputs.ToArray(), new[] { "Features" }, path)
                .Fit(ml.Data.LoadFromEnumerable(new[] { new FeaturesOnly { Features = rows[0].Features } }));
            var applied = onnx.Transform(ml.Data.LoadFromEnumerable(rows.Select(r => new FeaturesOnly { Features = r.Features })));
            // OnnxTransformer names a column after its graph output without ML.NET's ".output".
            var appliedLabels = applied.GetColumn<VBuffer<ReadOnlyMemory<char>>>("PredictedLabel").Select(v => v.GetValues()[0].ToString()).ToArray();
            Assert.Equal(expectedNames, appliedLabels);
            (onnx as IDisposable)?.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_graph_asks_only_for_Features_and_records_class_names_and_input_shape()
    {
        var (ml, model, input) = Fit("cnn");
        using var session = new InferenceSession(OnnxExport.Export(ml, model, input));
        Assert.Equal(new[] { "Features" }, session.InputMetadata.Keys);
        Assert.Equal(OnnxExport.Outputs, session.OutputMetadata.Keys);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("anger,happy,sad", metadata[OnnxExport.ClassNamesKey]);
        Assert.Equal($"1,{Side},{Side}", metadata[OnnxExport.InputShapeKey]);
    }
}
