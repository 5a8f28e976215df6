using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>Applies a <see cref="WeightInitialization"/> to one layer's weight and bias.</summary>
internal static class LayerInitializer
{
    public static void Initialize(Parameter weight, Parameter bias, NetworkArchitecture architecture, bool isOutputLayer)
    {
        using var _ = no_grad();
        bias.zero_();
        switch (architecture.Initialization)
        {
            case WeightInitialization.StudyGaussian:
                nn.init.normal_(weight, 0, isOutputLayer ? architecture.OutputInitStd : architecture.HiddenInitStd);
                break;
            case WeightInitialization.KaimingNormal when !isOutputLayer:
                nn.init.kaiming_normal_(weight, nonlinearity: nn.init.NonlinearityType.ReLU);
                break;
            case WeightInitialization.KaimingNormal:
                nn.init.normal_(weight, 0, architecture.OutputInitStd);
                break;
            case WeightInitialization.XavierUniform:
                nn.init.xavier_uniform_(weight);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(architecture), architecture.Initialization, "Unknown initialisation.");
        }
    }
}
