namespace Faces.Torch.Training;

/// <summary>The update rule.</summary>
public enum OptimizerKind
{
    /// <summary>The study's: v ← momentum·v + eps·∂E/∂W; W ← W − v (E averaged over the mini-batch).</summary>
    SgdMomentum,
    /// <summary>Adam with learning rate eps.</summary>
    Adam,
}
