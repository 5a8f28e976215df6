namespace Faces.Torch.Export;

/// <summary>A network that can describe its scoring computation (<see cref="InferenceGraph"/>) for export.</summary>
public interface IDescribesInference
{
    /// <summary>The layers and a copy of the current weights, as scoring (evaluation mode) computes them.</summary>
    InferenceGraph DescribeInference();
}
