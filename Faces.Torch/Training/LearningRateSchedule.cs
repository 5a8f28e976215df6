namespace Faces.Torch.Training;

/// <summary>How the learning rate changes during training.</summary>
public enum LearningRateSchedule
{
    /// <summary>The same rate throughout (the study's).</summary>
    Constant,
    /// <summary>
    /// One cycle per training run, stepped every mini-batch: warm-up from a 25th of the rate to the rate over the first
    /// 30% of the steps, then cosine annealing to a ten-thousandth of the start (libtorch's OneCycleLR with its defaults,
    /// momentum cycled between 0.85 and 0.95).
    /// </summary>
    OneCycle,
}
