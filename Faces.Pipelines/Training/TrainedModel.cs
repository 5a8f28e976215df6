using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Training;

/// <summary>A fitted model: normaliser + classifier as one ML.NET transformer, and what training recorded.</summary>
public sealed class TrainedModel
{
    public ModelKind Kind { get; }
    /// <summary>Features → Score, PredictedLabel (key). Saved as one .zip.</summary>
    public ITransformer Model { get; }
    /// <summary>The schema the model was trained on (saved with it).</summary>
    public DataViewSchema InputSchema { get; }
    public double TrainSeconds { get; }

    public TrainedModel(ModelKind kind, ITransformer model, DataViewSchema inputSchema, double trainSeconds)
    {
        Kind = kind;
        Model = model;
        InputSchema = inputSchema;
        TrainSeconds = trainSeconds;
    }

    /// <summary>Per-epoch learning curve of a network; empty for a mixture model.</summary>
    public IReadOnlyList<EpochRecord> LearningCurve => Predictor<NetworkModelParameters>()?.LearningCurve ?? Array.Empty<EpochRecord>();

    /// <summary>The trained network of an MLP or CNN model; null for a mixture model.</summary>
    public Faces.Torch.Models.FacesNetwork? Network => Predictor<NetworkModelParameters>()?.Network;

    /// <summary>The per-class mixtures of a MoG model; null otherwise.</summary>
    public MixtureOfGaussiansModelParameters? Mixtures => Predictor<MixtureOfGaussiansModelParameters>();

    private T? Predictor<T>() where T : class =>
        (Model is TransformerChain<ITransformer> chain ? chain : new TransformerChain<ITransformer>(Model))
        .OfType<ISingleFeaturePredictionTransformer<object>>().Select(t => t.Model).OfType<T>().FirstOrDefault();
}
