using Faces.Pipelines.Data;
using Faces.Cli.Commands;
using Microsoft.ML;

namespace Faces.Cli.Commands;

/// <summary>Trains one model with a progress bar: epochs for a network, one step for a mixture model (train and demo share it).</summary>
internal static class ModelTraining
{
    public static TrainedModel Train(MLContext ml, FaceDataset dataset, TrainSettings settings)
    {
        var trainer = new FacesModelTrainer(ml);
        string name = settings.Model.ToString().ToUpperInvariant();
        if (settings.Model == ModelKind.Mog)
            return Progress.Run($"{name}: EM per class", 1, step => { var m = trainer.Train(dataset, settings); step(null); return m; });
        return Progress.Run($"{name}:", settings.NetworkTraining.Epochs, step => trainer.Train(dataset, settings, record => step(Progress.Epoch(record, settings.NetworkTraining.Epochs))));
    }

    /// <summary>How a network's training ended and which epoch's weights it kept; null for a mixture model.</summary>
    public static string? Outcome(TrainSettings settings, TrainedModel trained)
    {
        var curve = trained.LearningCurve;
        if (settings.Model == ModelKind.Mog || curve.Count == 0) return null;
        int planned = settings.NetworkTraining.Epochs, patience = settings.NetworkTraining.EarlyStoppingPatience;
        if (patience == 0 || curve.All(r => r.ValidationCrossEntropy == null))
            return $"Training ran {curve.Count} of {planned} epochs; the weights are those of epoch {curve.Count}.";
        var best = curve.MinBy(r => r.ValidationCrossEntropy!.Value)!;
        string ending = curve.Count < planned
            ? $"Early stopping after epoch {curve.Count} of {planned}: no lower validation cross-entropy for {patience} epochs"
            : $"Training ran all {planned} epochs";
        return $"{ending}; kept the weights of epoch {best.Epoch} (validation CE {best.ValidationCrossEntropy:F4}, accuracy {best.ValidationAccuracy:F3}).";
    }
}
