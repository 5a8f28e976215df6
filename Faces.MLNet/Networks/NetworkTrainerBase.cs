using Faces.MLNet.Internals;
using Faces.Torch.Models;
using Faces.Torch.Native;
using Faces.Torch.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;

namespace Faces.MLNet.Networks;

/// <summary>
/// Trains a Faces.Torch network from a known-size Single vector Features column and a key Label column, and wraps it
/// in a <see cref="NetworkPredictionTransformer"/> (Score = class probabilities, PredictedLabel; batched Transform).
/// The data is read once into tensors; epochs index them without copying.
/// </summary>
public abstract class NetworkTrainerBase<TOptions>
    : TrainerEstimatorBase<NetworkPredictionTransformer, NetworkModelParameters>
    where TOptions : NetworkTrainerOptions
{
    private static readonly TrainerInfo TrainerInfo = new(normalization: true, caching: false, supportValid: true);

    /// <summary>The settings in use.</summary>
    protected TOptions Settings { get; }

    private protected NetworkTrainerBase(IHostEnvironment env, string name, TOptions options)
        : base(Contracts.CheckRef(env, nameof(env)).Register(name),
            TrainerUtils.MakeR4VecFeature(options.FeatureColumnName), TrainerUtils.MakeU4ScalarColumn(options.LabelColumnName))
    {
        Settings = options;
        try
        {
            options.Training.Validate();
        }
        catch (ArgumentException e)
        {
            throw Host.Except(e, e.Message);
        }
    }

    /// <summary>Refuses a Features column whose width is not that of the image shape the options describe.</summary>
    private protected void CheckImageWidth(int inputSize, long expected, int height, int width, int channels)
    {
        if (inputSize != expected)
            throw Host.Except($"Features column '{FeatureColumn.Name}' has {inputSize} values per row, but the options describe " +
                              $"{height}x{width} images with {channels} channel(s) = {expected} values.");
    }

    /// <summary>The architecture to train for <paramref name="inputSize"/> features and <paramref name="classes"/> classes.</summary>
    private protected abstract NetworkArchitecture Architecture(int inputSize, int classes);

    /// <inheritdoc />
    public override PredictionKind PredictionKind => PredictionKind.MulticlassClassification;

    /// <inheritdoc />
    public override TrainerInfo Info => TrainerInfo;

    /// <summary>Trains with <paramref name="validationData"/> as the validation split (instead of the options').</summary>
    public NetworkPredictionTransformer Fit(IDataView trainData, IDataView validationData)
    {
        Host.CheckValue(trainData, nameof(trainData));
        Host.CheckValue(validationData, nameof(validationData));
        return TrainTransformer(trainData, validationData);
    }

    /// <inheritdoc />
    public override SchemaShape.Column[] GetOutputColumnsCore(SchemaShape inputSchema) =>
        MulticlassOutputSchema.Columns(inputSchema, FeatureColumn.Name, LabelColumn.Name);

    /// <inheritdoc />
    public override NetworkPredictionTransformer MakeTransformer(NetworkModelParameters model, DataViewSchema trainSchema) =>
        new(Host, model, trainSchema, FeatureColumn.Name, LabelColumn.Name);

    /// <inheritdoc />
    public override NetworkModelParameters TrainModelCore(TrainContext context)
    {
        TorchRuntime.EnsureInitialized();
        var labelColumn = context.TrainingSet.Schema.Label!.Value;
        if (labelColumn.Type is not KeyDataViewType keyType)
            throw Host.Except($"Label column '{labelColumn.Name}' must be a key type (use MapValueToKey); it is {labelColumn.Type}.");
        int classes = keyType.GetCountAsInt32(Host);
        var validationView = context.ValidationSet?.Data ?? Settings.ValidationData;
        if (Settings.Training.EarlyStoppingPatience > 0 && validationView == null)
            throw Host.Except("EarlyStoppingPatience needs validation data: set ValidationData or call Fit(train, validation).");

        var architecture = Architecture(FeatureRows.VectorSize(Host, context.TrainingSet.Schema.Feature!.Value), classes);
        try
        {
            architecture.Validate();
        }
        catch (ArgumentException e)
        {
            throw Host.Except(e, e.Message);
        }

        using var train = Tensors(context.TrainingSet.Data, classes, "training data");
        using var validation = validationView == null ? null : Tensors(validationView, classes, "validation data");
        if (validation != null && validation.Width != train.Width)
            throw Host.Except($"The validation data's '{FeatureColumn.Name}' has {validation.Width} values per row; the training data has {train.Width}.");

        using var channel = Host.Start("Training");
        channel.Info($"{architecture}: {architecture.ParameterCount} parameters; {train.Count} training rows" +
                     (validation != null ? $", {validation.Count} validation rows." : "."));
        void Report(EpochRecord record)
        {
            channel.Info($"Epoch {record.Epoch}: train CE {Format(record.TrainCrossEntropy)} acc {Format(record.TrainAccuracy)}; " +
                         $"valid CE {Format(record.ValidationCrossEntropy)} acc {Format(record.ValidationAccuracy)}; {record.Seconds:F2} s");
            Settings.Progress?.Invoke(record);
        }

        FacesNetwork network;
        try
        {
            network = new NetworkTrainer(Settings.Training).Train(architecture, train, validation, Report, Settings.Cancellation);
        }
        catch (ArgumentException e)
        {
            throw Host.Except(e, e.Message);
        }
        // The model parameters always predict on the CPU, where ML.NET's row-by-row mapping runs.
        network.MoveTo("cpu");
        return new NetworkModelParameters(Host, network);
    }

    private LabeledTensors Tensors(IDataView data, int classes, string name)
    {
        var rows = FeatureRows.Read(Host, data, FeatureColumn.Name, LabelColumn.Name, name);
        if (rows.Count == 0) throw Host.Except($"The {name} has no rows.");
        var outside = Array.FindIndex(rows.Labels, l => l >= classes);
        if (outside >= 0)
            throw Host.Except($"The {name}, row {outside}: label key {rows.Labels[outside] + 1} is outside the training label's {classes} values.");
        return LabeledTensors.From(rows, classes);
    }

    private static string Format(double? value) => value is { } v ? v.ToString("F4") : "-";
}
