using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>Applies a <see cref="WeightInitialization"/> to one layer's weight and bias.</summary>
internal static class LayerInitializer
{
    public static void Initialize(Parameter weight, Parameter bias, NetworkArchitecture architecture, bool isOutputLayer, Generator generator)
    {
        using var _ = no_grad();
        bias.zero_();
        switch (architecture.Initialization)
        {
            case WeightInitialization.StudyGaussian:
                WeightDraws.Normal(weight, isOutputLayer ? architecture.OutputInitStd : architecture.HiddenInitStd, generator);
                break;
            case WeightInitialization.KaimingNormal when !isOutputLayer:
                WeightDraws.KaimingNormal(weight, generator);
                break;
            case WeightInitialization.KaimingNormal:
                WeightDraws.Normal(weight, architecture.OutputInitStd, generator);
                break;
            case WeightInitialization.XavierUniform:
                WeightDraws.XavierUniform(weight, generator);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(architecture), architecture.Initialization, "Unknown initialisation.");
        }
    }
}
