using Faces.Torch.Models;
using System.Globalization;
using Faces.MLNet;
using Faces.MLNet.Networks;
using Faces.Tests.Mixtures;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Networks;

public sealed class NetworkTrainerTests
{
    private const int Size = 12;
    private static readonly string[] Names = { "anger", "disgust", "fear", "happy" };

    private sealed class Example
    {
        public string Label { get; set; } = "";
        [VectorType(Size * Size)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class FeaturesOnly
    {
        [VectorType(Size * Size)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Prediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();
        public string PredictedLabel { get; set; } = "";
    }

    /// <summary>Size×size images with one bright block per class at its own place, plus noise.</summary>
    private static List<Example> Squares(int count, int seed)
    {
        var random = new Random(seed);
        int block = Size / 3;
        return Enumerable.Range(0, count).Select(n =>
        {
            int label = n % Names.Length;
            int top = label / 3 * block, left = label % 3 * block;
            var pixels = new float[Size * Size];
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(random.NextDouble() * 0.3);
            for (int r = top; r < top + block; r++)
            for (int c = left; c < left + block; c++)
                pixels[r * Size + c] += 0.7f;
            return new Example { Label = Names[label], Features = pixels };
        }).ToList();
    }

    private static CnnTrainer.Options SmallCnn(int epochs = 8) => new()
    {
        Architecture = new CnnArchitecture { Height = Size, Width = Size, Channels = 1, Filters1 = 4, Filters2 = 8, Pool1 = 2, Pool2 = 2 },
        Training = TrainingOptions.ForCnn with { Epochs = epochs, LearningRate = 0.05, Momentum = 0.9, BatchSize = 20, Threads = 2 },
    };

    [Fact]
    public void Mlp_and_Cnn_train_in_a_pipeline_and_Evaluate_reads_their_output()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Squares(240, 1));
        var test = ml.Data.LoadFromEnumerable(Squares(80, 2));
        var mlp = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { Epochs = 40, LearningRate = 0.1, Momentum = 0.9, BatchSize = 20 } }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var cnn = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.Cnn(SmallCnn()))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        foreach (var pipeline in new IEstimator<ITransformer>[] { mlp, cnn })
        {
            var model = pipeline.Fit(train);
            var scored = model.Transform(test);
            var metrics = ml.MulticlassClassification.Evaluate(scored);
            Assert.True(metrics.MicroAccuracy > 0.95, $"{pipeline}: micro accuracy {metrics.MicroAccuracy}");
            Assert.True(metrics.LogLoss < 0.5, $"log-loss {metrics.LogLoss}");
            Assert.Equal(4, metrics.ConfusionMatrix.NumberOfClasses);
            Assert.All(scored.GetColumn<float[]>("Score"), s => Assert.Equal(1.0, s.Sum(), 4));
            Assert.Equal(Names, scored.GetColumn<string>("PredictedLabel").Take(4));
        }
    }

    [Fact]
    public void Early_stopping_restores_the_weights_of_the_best_validation_epoch()
    {
        // Random labels: the network learns the training rows by heart, and the validation cross-entropy rises
        // after its first epochs, so the best epoch and the last one differ.
        var ml = new MLContext(seed: 1);
        var random = new Random(9);
        List<Example> Noise(int count) => Squares(count, random.Next()).Select(e => new Example { Label = Names[random.Next(Names.Length)], Features = e.Features }).ToList();
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Squares(8, 1)));
        var train = keys.Transform(ml.Data.LoadFromEnumerable(Noise(120)));
        var valid = keys.Transform(ml.Data.LoadFromEnumerable(Noise(80)));
        var model = ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options
        {
            Architecture = new MlpArchitecture { Hidden = new[] { 64 } },
            Training = TrainingOptions.ForMlp with { Epochs = 300, LearningRate = 0.5, Momentum = 0.9, BatchSize = 10, EarlyStoppingPatience = 5 },
        }).Fit(train, valid);

        var curve = model.Model.LearningCurve;
        double best = curve.Min(r => r.ValidationCrossEntropy!.Value);
        Assert.True(curve[^1].ValidationCrossEntropy > best + 1e-3, "the fixture must make the last epoch worse than the best one");
        var labels = valid.GetColumn<uint>("Label").ToArray();
        var scores = model.Transform(valid).GetColumn<float[]>("Score").ToArray();
        double crossEntropy = scores.Select((s, n) => -Math.Log(s[labels[n] - 1])).Average();
        Assert.Equal(best, crossEntropy, 4);
    }

    [Fact]
    public void Validation_data_gives_learning_curves_progress_and_early_stopping()
    {
        var ml = new MLContext(seed: 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Squares(240, 1)));
        var train = keys.Transform(ml.Data.LoadFromEnumerable(Squares(240, 1)));
        var valid = keys.Transform(ml.Data.LoadFromEnumerable(Squares(60, 3)));
        var logged = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("Epoch ")) logged.Add(e.Message); };
        var seen = new List<EpochRecord>();

        var options = SmallCnn(epochs: 200);
        options.ValidationData = valid;
        options.Training = options.Training with { EarlyStoppingPatience = 3 };
        options.Progress = seen.Add;
        var model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(train);

        var curve = model.Model.LearningCurve;
        Assert.True(curve.Count < 200, $"early stopping should end well before 200 epochs; ran {curve.Count}");
        Assert.Equal(curve, seen);
        Assert.Equal(curve.Count, logged.Count);
        Assert.All(curve, r => Assert.NotNull(r.ValidationCrossEntropy));
        Assert.True(curve[^1].ValidationAccuracy > 0.9);
        Assert.True(curve.Min(r => r.ValidationCrossEntropy!.Value) < curve[0].ValidationCrossEntropy!.Value);

        // Fit(train, validation) is the other way to pass a validation split.
        var mlp = ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { Epochs = 3 } }).Fit(train, valid);
        Assert.All(mlp.Model.LearningCurve, r => Assert.NotNull(r.ValidationAccuracy));
        Assert.Equal(3, mlp.Model.LearningCurve.Count);
    }

    [Fact]
    public void Saved_model_predicts_identically_after_loading_here_and_in_a_fresh_process()
    {
        var ml = new MLContext(seed: 1);
        // Keys are mapped outside the saved model, so that it needs only Features at prediction time.
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Squares(120, 4)))
            .Transform(ml.Data.LoadFromEnumerable(Squares(120, 4)));
        var model = ml.MulticlassClassification.Trainers.Cnn(SmallCnn(epochs: 3))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(train);
        string folder = Directory.CreateTempSubdirectory("faces-cnn-").FullName;
        try
        {
            string path = Path.Combine(folder, "cnn.zip");
            ml.Model.Save(model, train.Schema, path);
            var rows = Squares(10, 5).Select(e => new FeaturesOnly { Features = e.Features }).ToList();
            var view = ml.Data.LoadFromEnumerable(rows);
            var expected = model.Transform(view).GetColumn<float[]>("Score").ToList();

            var loaded = ml.Model.Load(path, out var schema);
            Assert.Equal(expected, loaded.Transform(view).GetColumn<float[]>("Score"));
            var engine = ml.Model.CreatePredictionEngine<FeaturesOnly, Prediction>(loaded);
            var first = engine.Predict(rows[0]);
            // PredictionEngine scores one row per pass, Transform a batch: equal up to float rounding.
            for (int c = 0; c < first.Score.Length; c++) Assert.Equal(expected[0][c], first.Score[c], 1e-6f);
            Assert.Contains(first.PredictedLabel, Names);
            var parameters = ((TransformerChain<ITransformer>)loaded).OfType<NetworkPredictionTransformer>().Single().Model;
            Assert.Equal(3, parameters.LearningCurve.Count);
            Assert.Equal(model.OfType<NetworkPredictionTransformer>().Single().Model.LearningCurve, parameters.LearningCurve);

            string csv = Path.Combine(folder, "rows.csv");
            File.WriteAllLines(csv, rows.Select(r => string.Join(",", r.Features.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))));
            var fresh = MixtureOfGaussiansTrainerTests.RunFaces("score", "--model", path, "--csv", csv)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
            Assert.Equal(expected, fresh);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private sealed class SmallImage
    {
        public string Label { get; set; } = "anger";
        [VectorType(10 * 10)] public float[] Features { get; set; } = new float[100];
    }

    [Fact]
    public void Wrong_input_sizes_are_clear_errors()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Squares(40, 6));
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.Cnn(SmallCnn(epochs: 1))).Fit(train);
        var other = ml.Data.LoadFromEnumerable(new[] { new SmallImage() });
        var error = Assert.ThrowsAny<Exception>(() => model.Transform(other).GetColumn<float[]>("Score").ToList());
        Assert.Contains("Features", error.Message);
        Assert.Contains("144", error.Message);
        Assert.Contains("100", error.Message);

        var options = SmallCnn(epochs: 1);
        options.Architecture = options.Architecture with { Height = 10 };
        var mismatch = Assert.ThrowsAny<Exception>(() => ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.Cnn(options)).Fit(train));
        Assert.Contains("10x12", mismatch.Message);
        Assert.Contains("144", mismatch.Message);

        var badRate = Assert.ThrowsAny<Exception>(() => ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { LearningRate = -1 } }));
        Assert.Contains("LearningRate", badRate.Message);
        var noValidation = Assert.ThrowsAny<Exception>(() => ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { EarlyStoppingPatience = 2, Epochs = 1 } })).Fit(train));
        Assert.Contains("ValidationData", noValidation.Message);
    }

    [CudaFact]
    public void Cnn_trains_on_cuda()
    {
        var ml = new MLContext(seed: 1);
        var options = SmallCnn(epochs: 3);
        options.Training = options.Training with { Device = "cuda" };
        var train = ml.Data.LoadFromEnumerable(Squares(120, 7));
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.Cnn(options)).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(Squares(40, 8))));
        Assert.True(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy}");
    }

    [CpuOnlyFact]
    public void Cuda_device_is_a_clear_error_without_a_gpu()
    {
        var ml = new MLContext(seed: 1);
        var options = SmallCnn(epochs: 1);
        options.Training = options.Training with { Device = "cuda" };
        var train = ml.Data.LoadFromEnumerable(Squares(20, 7));
        var error = Assert.ThrowsAny<Exception>(() => ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.Cnn(options)).Fit(train));
        Assert.Contains("cuda", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Trainers_work_with_ML_NET_cross_validation()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(Squares(200, 8)))
            .Transform(ml.Data.LoadFromEnumerable(Squares(200, 8)));
        var mlp = ml.MulticlassClassification.CrossValidate(data, ml.MulticlassClassification.Trainers.Mlp(
            new MlpTrainer.Options { Training = TrainingOptions.ForMlp with { Epochs = 30, LearningRate = 0.1, Momentum = 0.9, BatchSize = 20 } }), numberOfFolds: 3);
        var mog = ml.MulticlassClassification.CrossValidate(data, ml.MulticlassClassification.Trainers.MixtureOfGaussians(components: 1), numberOfFolds: 3);
        Assert.Equal(3, mlp.Count);
        Assert.All(mlp, fold => Assert.True(fold.Metrics.MicroAccuracy > 0.9, $"MLP fold accuracy {fold.Metrics.MicroAccuracy}"));
        Assert.All(mog, fold => Assert.True(fold.Metrics.MicroAccuracy > 0.9, $"MoG fold accuracy {fold.Metrics.MicroAccuracy}"));
    }
}
