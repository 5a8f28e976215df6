using Faces.Pipelines.Data;
using Faces.Pipelines.Cli;
using Microsoft.ML;

namespace Faces.Pipelines.Training;

/// <summary>Trains one model with a progress bar: epochs for a network, one step for a mixture model (train and demo share it).</summary>
internal static class ModelTraining
{
    public static TrainedModel Train(MLContext ml, FaceDataset dataset, TrainSettings settings)
    {
        var trainer = new FacesModelTrainer(ml);
        string name = settings.Model.ToString().ToUpperInvariant();
        if (settings.Model == ModelKind.Mog)
            return Progress.Run($"{name}: EM per class", 1, step => { var m = trainer.Train(dataset, settings); step(null); return m; });
        return Progress.Run($"{name}:", settings.NetworkTraining.Epochs, step => trainer.Train(dataset, settings, record => step(Progress.Epoch(record))));
    }
}
