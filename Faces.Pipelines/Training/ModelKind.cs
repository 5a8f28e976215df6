namespace Faces.Pipelines.Training;

/// <summary>The three classifiers of the study.</summary>
public enum ModelKind
{
    /// <summary>One mixture of Gaussians per class.</summary>
    Mog,
    /// <summary>Fully connected network.</summary>
    Mlp,
    /// <summary>Convolutional network.</summary>
    Cnn,
}
