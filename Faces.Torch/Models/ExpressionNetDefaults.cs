namespace Faces.Torch.Models;

/// <summary>
/// Defaults of the real-face network (<see cref="ExpressionNetArchitecture"/>) and of its training recipe, in one place:
/// the architecture record, the ML.NET trainer, the <c>real</c> preset of the command line and the docs read them here.
/// </summary>
public static class ExpressionNetDefaults
{
    /// <summary>Input height: 48 (FER2013 and TFD).</summary>
    public const int Height = 48;
    /// <summary>Input width: 48.</summary>
    public const int Width = 48;
    /// <summary>Input channels: 1 (grayscale).</summary>
    public const int Channels = 1;
    /// <summary>
    /// Filters of each block (two 3x3 convolutions with batch norm, then a 2x2 max-pool): 24, 48, 96, 192 — chosen over
    /// 16 → 128 on FER2013's validation split (docs/real-faces.md).
    /// </summary>
    public static int[] Widths => new[] { 24, 48, 96, 192 };
    /// <summary>Units of the fully connected hidden layer: 1024.</summary>
    public const int Hidden = 1024;
    /// <summary>
    /// Dropout before each fully connected layer: 0.25, chosen on FER2013's validation split — for the fast preset's 20
    /// epochs it beat 0.5, which left the network short of fitting its training split; for the real preset's 40 it tied
    /// 0.5 on accuracy with a better macro accuracy and log-loss (docs/real-faces.md).
    /// </summary>
    public const double Dropout = 0.25;
    /// <summary>Average the probabilities of each face and its mirror image when scoring: on.</summary>
    public const bool FlipAveraging = true;

    /// <summary>Peak learning rate of the one-cycle schedule: 0.1.</summary>
    public const double LearningRate = 0.1;
    /// <summary>Nesterov momentum: 0.9.</summary>
    public const double Momentum = 0.9;
    /// <summary>L2 weight decay: 5e-4.</summary>
    public const double WeightDecay = 5e-4;
    /// <summary>Label smoothing of the cross-entropy: 0.1.</summary>
    public const double LabelSmoothing = 0.1;
    /// <summary>Mini-batch size: 128.</summary>
    public const int BatchSize = 128;
    /// <summary>Epochs of the <c>real</c> preset: 40.</summary>
    public const int Epochs = 40;

    /// <summary>
    /// Filters of each block in the <c>fast</c> preset: 16, 32, 64, 128 — under half the multiply-adds of <see cref="Widths"/>,
    /// for a model trained in half an hour on two cores (docs/real-faces.md).
    /// </summary>
    public static int[] FastWidths => new[] { 16, 32, 64, 128 };
    /// <summary>Epochs of the <c>fast</c> preset: 20 (the one-cycle schedule spans them).</summary>
    public const int FastEpochs = 20;
}
