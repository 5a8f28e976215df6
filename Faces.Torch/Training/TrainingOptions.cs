namespace Faces.Torch.Training;

/// <summary>
/// Mini-batch training settings. Defaults are the study's MLP settings (<see cref="Models.MlpDefaults"/>,
/// <see cref="TrainingDefaults"/>); <see cref="ForCnn"/> gives the study's CNN ones (<see cref="Models.CnnDefaults"/>).
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Learning rate, the study's eps (<see cref="Models.MlpDefaults.LearningRate"/>).</summary>
    public double LearningRate { get; init; } = Models.MlpDefaults.LearningRate;
    /// <summary>Momentum (<see cref="TrainingDefaults.Momentum"/>).</summary>
    public double Momentum { get; init; } = TrainingDefaults.Momentum;
    /// <summary>Passes over the training split (<see cref="Models.MlpDefaults.Epochs"/>).</summary>
    public int Epochs { get; init; } = Models.MlpDefaults.Epochs;
    /// <summary>Examples per mini-batch (<see cref="TrainingDefaults.BatchSize"/>).</summary>
    public int BatchSize { get; init; } = TrainingDefaults.BatchSize;
    /// <summary>L2 weight decay added to the gradient. Default 0.</summary>
    public double WeightDecay { get; init; }
    /// <summary>SGD with momentum or Adam (<see cref="TrainingDefaults.Optimizer"/>).</summary>
    public OptimizerKind Optimizer { get; init; } = TrainingDefaults.Optimizer;
    /// <summary>Stop after this many epochs without a lower validation cross-entropy, keeping the best weights; 0 never stops early (<see cref="TrainingDefaults.EarlyStoppingPatience"/>). Needs a validation split.</summary>
    public int EarlyStoppingPatience { get; init; } = TrainingDefaults.EarlyStoppingPatience;
    /// <summary>Seed for initialisation and the per-epoch shuffle (<see cref="TrainingDefaults.Seed"/>).</summary>
    public int Seed { get; init; } = TrainingDefaults.Seed;
    /// <summary>Shuffle the training split every epoch (seeded). Default true.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>"cpu", "cuda" or "cuda:N" (<see cref="TrainingDefaults.Device"/>).</summary>
    public string Device { get; init; } = TrainingDefaults.Device;
    /// <summary>libtorch intra-op threads; 0 keeps libtorch's choice, all cores (<see cref="TrainingDefaults.Threads"/>).</summary>
    public int Threads { get; init; } = TrainingDefaults.Threads;
    /// <summary>Nesterov momentum (SGD only). Default false, the study's plain momentum.</summary>
    public bool Nesterov { get; init; }
    /// <summary>Label smoothing of the cross-entropy target, in [0, 1). Default 0.</summary>
    public double LabelSmoothing { get; init; }
    /// <summary>How the learning rate moves over training. Default constant (the study's).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;
    /// <summary>Training-time augmentation of image rows; null (default) trains on the rows as they are.</summary>
    public AugmentationOptions? Augmentation { get; init; }
    /// <summary>Evaluate the whole training split each epoch for the learning curve (costs a forward pass). Default true.</summary>
    public bool RecordTrainingMetrics { get; init; } = true;

    /// <summary>The study's MLP defaults (the record's own).</summary>
    public static TrainingOptions ForMlp { get; } = new();

    /// <summary>The study's CNN defaults: <see cref="Models.CnnDefaults.LearningRate"/> and <see cref="Models.CnnDefaults.Epochs"/>, the rest as for the MLP.</summary>
    public static TrainingOptions ForCnn { get; } = new() { LearningRate = Models.CnnDefaults.LearningRate, Epochs = Models.CnnDefaults.Epochs };

    /// <summary>The study's best MLP training (<see cref="Models.MlpDefaults.BestLearningRate"/>).</summary>
    public static TrainingOptions BestForMlp { get; } = ForMlp with { LearningRate = Models.MlpDefaults.BestLearningRate };

    /// <summary>The study's best CNN training (<see cref="Models.CnnDefaults"/>' Best constants: learning rate, momentum, epochs, early stopping).</summary>
    public static TrainingOptions BestForCnn { get; } = ForCnn with
    {
        LearningRate = Models.CnnDefaults.BestLearningRate, Momentum = Models.CnnDefaults.BestMomentum,
        Epochs = Models.CnnDefaults.BestEpochs, EarlyStoppingPatience = Models.CnnDefaults.BestPatience,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0)) throw new ArgumentException($"LearningRate must be positive; got {LearningRate}.");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"Momentum must be in [0, 1); got {Momentum}.");
        if (Epochs < 1) throw new ArgumentException($"Epochs must be at least 1; got {Epochs}.");
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be at least 1; got {BatchSize}.");
        if (WeightDecay < 0) throw new ArgumentException($"WeightDecay must not be negative; got {WeightDecay}.");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) throw new ArgumentException($"LabelSmoothing must be in [0, 1); got {LabelSmoothing}.");
        if (Nesterov && (Optimizer != OptimizerKind.SgdMomentum || Momentum <= 0)) throw new ArgumentException("Nesterov needs SGD with a positive momentum.");
        if (Schedule == LearningRateSchedule.OneCycle && EarlyStoppingPatience > 0) throw new ArgumentException("The one-cycle schedule runs every epoch; it cannot stop early (set EarlyStoppingPatience to 0).");
        Augmentation?.Validate();
        if (EarlyStoppingPatience < 0) throw new ArgumentException($"EarlyStoppingPatience must not be negative; got {EarlyStoppingPatience}.");
    }
}
