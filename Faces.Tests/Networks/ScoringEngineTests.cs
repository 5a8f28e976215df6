using Faces.MLNet;
using Faces.MLNet.Networks;
using Faces.Pipelines.Recognition;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Networks;

/// <summary>
/// The real-face network is scored in ONNX Runtime unless told otherwise; its scores are libtorch's (the engine it
/// was trained in) to float rounding, through Transform and PredictionEngine, and the choice is not saved with the model.
/// </summary>
public sealed class ScoringEngineTests
{
    private const int Side = 16;
    private static readonly string[] Names = { "anger", "happy", "sad" };

    private sealed class Row
    {
        public string Label { get; set; } = "";
        [VectorType(Side * Side)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    /// <summary>Each class brightens its own band of rows, the left side more than the right, so that a mirror image differs.</summary>
    private static List<Row> Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(n => new Row
        {
            Label = Names[n % 3],
            Features = Enumerable.Range(0, Side * Side).Select(i =>
                (float)(random.NextDouble() * 120 + (i / Side / 6 == n % 3 ? 40 + (Side - i % Side) * 4 : 0))).ToArray(),
        }).ToList();
    }

    private static (MLContext Ml, ITransformer Model, NetworkModelParameters Network) Fit(IEstimator<ITransformer> trainer)
    {
        var ml = new MLContext(seed: 1);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(trainer)
            .Fit(ml.Data.LoadFromEnumerable(Rows(240, 1)));
        return (ml, model, ModelSteps.Networks(model).Single());
    }

    private static IEstimator<ITransformer> RealFaceNetwork(MLContext ml) => ml.MulticlassClassification.Trainers.ExpressionNet(new ExpressionNetTrainer.Options
    {
        Architecture = new ExpressionNetArchitecture { Height = Side, Width = Side, Widths = new[] { 4, 6 }, Hidden = 16, FlipAveraging = true },
        Training = ExpressionNetTrainer.Options.DefaultTraining with { Epochs = 3, BatchSize = 20 },
    });

    private static float[][] Scores(MLContext ml, ITransformer model, IEnumerable<Row> rows) =>
        model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();

    [Fact]
    public void The_real_face_network_defaults_to_Onnx_Runtime_and_the_study_networks_to_libtorch()
    {
        var ml = new MLContext(seed: 1);
        Assert.Equal(ScoringEngine.OnnxRuntime, Fit(RealFaceNetwork(ml)).Network.Engine);
        Assert.Equal(ScoringEngine.Libtorch, Fit(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
        {
            Architecture = new CnnArchitecture { Height = Side, Width = Side, Filters1 = 3, Filters2 = 4, FilterSize = 3, Pool1 = 2, Pool2 = 2 },
            Training = TrainingOptions.ForCnn with { Epochs = 1, BatchSize = 20 },
        })).Network.Engine);
        Assert.Equal(ScoringEngine.Libtorch, Fit(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options
        {
            Architecture = new MlpArchitecture { Inputs = Side * Side, Hidden = new[] { 8 } },
            Training = TrainingOptions.ForMlp with { Epochs = 1, BatchSize = 20 },
        })).Network.Engine);
    }

    [Fact]
    public void Onnx_Runtime_scores_as_libtorch_does_through_Transform_and_PredictionEngine()
    {
        var (ml, model, network) = Fit(RealFaceNetwork(new MLContext(seed: 1)));
        var rows = Rows(300, 2);
        var onnx = Scores(ml, model, rows);
        network.Engine = ScoringEngine.Libtorch;
        var libtorch = Scores(ml, model, rows);
        network.Engine = ScoringEngine.OnnxRuntime;

        for (int n = 0; n < rows.Count; n++)
        {
            for (int c = 0; c < Names.Length; c++)
                Assert.True(Math.Abs(onnx[n][c] - libtorch[n][c]) <= 1e-5f, $"row {n}, class {c}: ONNX Runtime {onnx[n][c]}, libtorch {libtorch[n][c]}");
            Assert.Equal(Array.IndexOf(libtorch[n], libtorch[n].Max()), Array.IndexOf(onnx[n], onnx[n].Max()));
        }
        Assert.True(libtorch.Select(s => Array.IndexOf(s, s.Max())).Distinct().Count() > 1, "the network must tell classes apart for the comparison to mean anything");
        // Another engine computed them: identical floats everywhere would mean the setting changed nothing.
        Assert.Contains(Enumerable.Range(0, rows.Count), n => !onnx[n].SequenceEqual(libtorch[n]));

        // PredictionEngine (one row per call) gives the batched Transform's scores.
        var engine = ml.Model.CreatePredictionEngine<Row, Scored>(model);
        for (int n = 0; n < 20; n++)
        {
            var single = engine.Predict(rows[n]).Score;
            for (int c = 0; c < Names.Length; c++)
                Assert.True(Math.Abs(single[c] - onnx[n][c]) <= 1e-6f, $"row {n}, class {c}: PredictionEngine {single[c]}, Transform {onnx[n][c]}");
        }
    }

    [Fact]
    public void The_engine_is_chosen_again_when_a_saved_model_is_loaded()
    {
        var (ml, model, network) = Fit(RealFaceNetwork(new MLContext(seed: 1)));
        network.Engine = ScoringEngine.Libtorch;
        var rows = Rows(30, 3);
        var before = Scores(ml, model, rows);
        using var stream = new MemoryStream();
        ml.Model.Save(model, ml.Data.LoadFromEnumerable(rows).Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        var loadedNetwork = ModelSteps.Networks(loaded).Single();

        Assert.Equal(ScoringEngine.OnnxRuntime, loadedNetwork.Engine);
        loadedNetwork.Engine = ScoringEngine.Libtorch;
        Assert.Equal(before, Scores(ml, loaded, rows));
    }
}
