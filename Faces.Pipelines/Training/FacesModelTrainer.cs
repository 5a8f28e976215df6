using System.Diagnostics;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Pipelines.Data;
using Faces.Torch.Models;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Training;

/// <summary>
/// Trains a MoG, MLP or CNN on a <see cref="FaceDataset"/> as an ML.NET pipeline: the normaliser is fitted on the
/// training split only, the validation split (through the fitted normaliser) drives the networks' learning curves,
/// and the result is one transformer chain that the .zip carries whole.
/// </summary>
public sealed class FacesModelTrainer(MLContext ml)
{
    /// <summary>
    /// Trains the model <paramref name="settings"/> ask for; with <see cref="TrainSettings.TrainOnValidation"/> on the
    /// training and validation rows together, without a validation curve (one on rows trained on would say nothing).
    /// </summary>
    public TrainedModel Train(FaceDataset data, TrainSettings settings, Action<EpochRecord>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        if (settings.EarlyStoppingWithoutValidation)
            throw new ArgumentException("Training on the validation split leaves no validation curve for early stopping: set the patience to 0.");
        // A caller short of memory merges first and lets the separate training rows go (faces train does).
        if (settings.TrainOnValidation) data = data.WithValidationInTraining();
        var train = data.ToDataView(ml, data.Train);
        var valid = data.ToDataView(ml, data.Validation);

        ITransformer normaliser = settings.Normalization switch
        {
            Normalization.Standardize => ml.Transforms.NormalizeMeanVariance("Features", fixZero: false).Fit(train),
            Normalization.MinMax => GlobalMinMax(data.Train),
            _ => new TransformerChain<ITransformer>(),
        };
        var normalisedTrain = normaliser.Transform(train);
        var normalisedValid = normaliser.Transform(valid);

        NetworkPredictionTransformer Fit<TOptions>(NetworkTrainerBase<TOptions> trainer) where TOptions : NetworkTrainerOptions =>
            settings.TrainOnValidation ? trainer.Fit(normalisedTrain) : trainer.Fit(normalisedTrain, normalisedValid);

        ITransformer predictor = settings.Model switch
        {
            ModelKind.Mog => ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options { Mixture = settings.Mixture })
                .Fit(normalisedTrain),
            ModelKind.Mlp => Fit(ml.MulticlassClassification.Trainers.Mlp(new MlpTrainer.Options
            {
                Training = settings.NetworkTraining, Architecture = settings.Architecture as MlpArchitecture ?? new MlpArchitecture(),
                Progress = progress, Cancellation = cancellation,
            })),
            _ when settings.Architecture is ExpressionNetArchitecture real => Fit(ml.MulticlassClassification.Trainers.ExpressionNet(new ExpressionNetTrainer.Options
            {
                Training = settings.NetworkTraining,
                Architecture = real with { Height = data.Shape.Height, Width = data.Shape.Width, Channels = data.Shape.Channels },
                Progress = progress, Cancellation = cancellation,
            })),
            _ => Fit(ml.MulticlassClassification.Trainers.Cnn(new CnnTrainer.Options
            {
                Training = settings.NetworkTraining,
                Architecture = (settings.Architecture as CnnArchitecture ?? new CnnArchitecture()) with
                    { Height = data.Shape.Height, Width = data.Shape.Width, Channels = data.Shape.Channels },
                Progress = progress, Cancellation = cancellation,
            })),
        };
        var chain = normaliser is TransformerChain<ITransformer> c ? c.Append(predictor) : new TransformerChain<ITransformer>(normaliser, predictor);
        return new TrainedModel(settings.Model, chain, train.Schema, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One minimum and maximum over every training pixel, applied as (x − min) / (max − min).</summary>
    private ITransformer GlobalMinMax(FaceSplit train)
    {
        float min = train.Features.Min(), max = train.Features.Max();
        float range = max > min ? max - min : 1;
        // NormalizeMinMax works per slot. Fitted on two rows that hold the global minimum and maximum in every slot,
        // it applies the same affine map to every pixel, and saves in the .zip like any ML.NET normaliser.
        var extremes = FeatureRow.Load(ml, new[] { Enumerable.Repeat(min, train.Dimension).ToArray(), Enumerable.Repeat(min + range, train.Dimension).ToArray() },
            train.Dimension);
        return ml.Transforms.NormalizeMinMax("Features", fixZero: false).Fit(extremes);
    }
}
