using Faces.MLNet;
using Faces.Torch.Training;
using Faces.Pipelines.Data;
using Faces.Pipelines.Evaluation;
using Faces.Pipelines.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Faces.Tests.Pipelines;

public sealed class TrainingTests
{
    private static readonly FaceDataset Small = SyntheticFaces.Generate(new SyntheticFaces.Options { TrainCount = 140, ValidationCount = 35, TestCount = 35, Seed = 2 });

    /// <summary>
    /// A trainer reads a split's Features array in place (the view keeps it row after row) and gets the same rows and
    /// labels as through any other view: the same seed trains the same network and mixture either way.
    /// </summary>
    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.Mog)]
    public void Training_reads_the_split_in_place_and_learns_what_it_learns_from_a_copy(ModelKind kind)
    {
        var ml = new MLContext(seed: 1);
        var inPlace = Small.ToDataView(ml, Small.Train);
        Assert.IsAssignableFrom<Faces.MLNet.IRowMajorFeatures>(inPlace);
        var copied = ml.Data.Cache(inPlace); // ML.NET's cache: rows only through getters
        Assert.False(copied is Faces.MLNet.IRowMajorFeatures);
        IEstimator<ITransformer> Trainer() => kind == ModelKind.Mlp
            ? ml.MulticlassClassification.Trainers.Mlp(new Faces.MLNet.Networks.MlpTrainer.Options { Training = TrainingOptions.ForMlp with { Epochs = 3 } })
            : ml.MulticlassClassification.Trainers.MixtureOfGaussians(new Faces.MLNet.Mixtures.MixtureOfGaussiansTrainer.Options { Mixture = new() { Components = 2 } });
        var test = Small.ToDataView(ml, Small.Test);
        var fromArray = Trainer().Fit(inPlace).Transform(test).GetColumn<float[]>("Score").ToArray();
        var fromCopy = Trainer().Fit(copied).Transform(test).GetColumn<float[]>("Score").ToArray();
        Assert.Equal(fromCopy, fromArray);
        Assert.True(fromArray.Select(s => Array.IndexOf(s, s.Max())).Distinct().Count() > 1, "a model that learned nothing would pass");
    }

    [Theory]
    [InlineData(Normalization.Standardize)]
    [InlineData(Normalization.MinMax)]
    public void The_fitted_normaliser_travels_inside_the_saved_model(Normalization normalization)
    {
        var ml = new MLContext(seed: 1);
        var trained = new FacesModelTrainer(ml).Train(Small, new TrainSettings { Model = ModelKind.Mlp, Training = TrainingOptions.ForMlp with { Epochs = 2 }, Normalization = normalization });
        var chain = Assert.IsType<TransformerChain<ITransformer>>(trained.Model);
        var normaliser = Assert.IsType<NormalizingTransformer>(chain.First());

        using var stream = new MemoryStream();
        ml.Model.Save(trained.Model, trained.InputSchema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out _);
        Assert.IsType<NormalizingTransformer>(((TransformerChain<ITransformer>)loaded).First());
        var test = Small.ToDataView(ml, Small.Test);
        Assert.Equal(trained.Model.Transform(test).GetColumn<float[]>("Score"), loaded.Transform(test).GetColumn<float[]>("Score"));

        var normalised = normaliser.Transform(Small.ToDataView(ml, Small.Train)).GetColumn<float[]>("Features").SelectMany(f => f).ToArray();
        if (normalization == Normalization.MinMax)
        {
            // One global range: the darkest training pixel maps to 0 and the brightest to 1, whatever its slot.
            Assert.Equal(0, normalised.Min(), 5);
            Assert.Equal(1, normalised.Max(), 5);
        }
        else
        {
            var column = Enumerable.Range(0, Small.Train.Count).Select(n => (double)normalised[n * 2304 + 1000]).ToArray();
            Assert.Equal(0, column.Average(), 4);
            Assert.Equal(1, Math.Sqrt(column.Select(v => v * v).Average()), 3);
        }
    }

    [Fact]
    public void Each_model_kind_trains_and_evaluates_on_a_dataset()
    {
        var ml = new MLContext(seed: 1);
        var trainer = new FacesModelTrainer(ml);
        var mog = trainer.Train(Small, new TrainSettings { Model = ModelKind.Mog, Mixture = new() { Components = 2 } });
        Assert.NotNull(mog.Mixtures);
        Assert.Empty(mog.LearningCurve);
        var epochs = new List<int>();
        var cnn = trainer.Train(Small, new TrainSettings { Model = ModelKind.Cnn, Training = TrainingOptions.ForCnn with { Epochs = 2, LearningRate = 0.01 }, Normalization = Normalization.Standardize },
            record => epochs.Add(record.Epoch));
        Assert.Equal(new[] { 1, 2 }, epochs);
        Assert.Equal(2, cnn.LearningCurve.Count);
        Assert.All(cnn.LearningCurve, r => Assert.NotNull(r.ValidationAccuracy));

        var metrics = ModelEvaluator.Evaluate(ml, cnn.Model, Small, Small.Test);
        Assert.Equal(35, metrics.Count);
        Assert.Equal(35, metrics.Confusion.Sum(r => r.Sum()));
        Assert.Equal(7, metrics.F1.Length);
        Assert.InRange(metrics.UncertainFraction, 0, 1);
        Assert.Contains("anger", metrics.ConfusionTable);

        var tenClasses = new FaceDataset("ten", Enumerable.Range(0, 10).Select(i => $"c{i}").ToList(), Small.Shape, Small.Train, Small.Validation, Small.Test);
        var mismatch = Assert.Throws<InvalidDataException>(() => ModelEvaluator.Evaluate(ml, cnn.Model, tenClasses, tenClasses.Test));
        Assert.Contains("c9", mismatch.Message);
        Assert.Contains("are not ten's", mismatch.Message);

        // The same classes in another order are mapped by name: the metrics do not change.
        FaceSplit Reverse(FaceSplit s) => new(s.Name, s.Features, s.Labels.Select(l => 6 - l).ToArray(), s.Dimension);
        var reversed = new FaceDataset("reversed", Small.ClassNames.Reverse().ToList(), Small.Shape, Reverse(Small.Train), Reverse(Small.Validation), Reverse(Small.Test));
        var remapped = ModelEvaluator.Evaluate(ml, cnn.Model, reversed, reversed.Test);
        Assert.Equal(metrics.MicroAccuracy, remapped.MicroAccuracy);
        Assert.Equal(metrics.Confusion, remapped.Confusion);
    }

    /// <summary>
    /// The refit on train and valid: the training split gains the validation rows after its own, in order, with their
    /// labels; valid and test stay; merging twice does not append them again.
    /// </summary>
    [Fact]
    public void The_validation_rows_join_the_training_split_after_its_own()
    {
        var merged = Small.WithValidationInTraining();
        Assert.True(merged.ValidationInTraining);
        Assert.False(Small.ValidationInTraining);
        Assert.Equal(Small.Train.Count + Small.Validation.Count, merged.Train.Count);
        Assert.Equal("train+valid", merged.Train.Name);
        Assert.Equal(Small.Train.Count, merged.LoadedTrainRows);
        // The data as loaded keeps its fingerprint: evaluate recognises it.
        Assert.Equal(DataFingerprint.Of(Small), DataFingerprint.Of(merged));
        Assert.Equal(DataFingerprint.OfSplits(Small), DataFingerprint.OfSplits(merged));
        Assert.Equal(Small.Train.Features.Concat(Small.Validation.Features), merged.Train.Features);
        Assert.Equal(Small.Train.Labels.Concat(Small.Validation.Labels), merged.Train.Labels);
        Assert.Same(Small.Validation, merged.Validation);
        Assert.Same(Small.Test, merged.Test);
        Assert.EndsWith("; the validation rows are trained on too", merged.SplitMethod);
        Assert.Same(merged, merged.WithValidationInTraining());
    }

    /// <summary>
    /// TrainOnValidation trains what the merged rows train, for a network and a mixture, with no validation curve;
    /// early stopping (which needs one) is refused.
    /// </summary>
    [Theory]
    [InlineData(ModelKind.Mlp)]
    [InlineData(ModelKind.Mog)]
    public void Training_on_validation_learns_from_the_merged_rows_without_a_validation_curve(ModelKind kind)
    {
        var settings = new TrainSettings { Model = kind, Training = TrainingOptions.ForMlp with { Epochs = 3 }, Mixture = new() { Components = 2 } };
        float[][] Scores(FaceDataset data, TrainSettings s)
        {
            var ml = new MLContext(seed: 1);
            var trained = new FacesModelTrainer(ml).Train(data, s);
            if (kind == ModelKind.Mlp) Assert.Equal(!s.TrainOnValidation, trained.LearningCurve.All(r => r.ValidationAccuracy != null));
            return trained.Model.Transform(data.ToDataView(ml, data.Test)).GetColumn<float[]>("Score").ToArray();
        }
        var refit = Scores(Small, settings with { TrainOnValidation = true });
        Assert.Equal(Scores(Small.WithValidationInTraining(), settings), refit);
        Assert.NotEqual(Scores(Small, settings), refit);
        if (kind == ModelKind.Mlp)
        {
            var stopping = settings with { TrainOnValidation = true, Training = settings.Training! with { EarlyStoppingPatience = 2 } };
            var error = Assert.Throws<ArgumentException>(() => new FacesModelTrainer(new MLContext(1)).Train(Small, stopping));
            Assert.Contains("early stopping", error.Message);
        }
    }
}
