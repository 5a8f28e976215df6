using Faces.MLNet.Networks;
using Microsoft.ML;

namespace Faces.Pipelines.Recognition;

/// <summary>The steps of an ML.NET model, nested chains opened: what a saved Faces model is made of.</summary>
public static class ModelSteps
{
    /// <summary>Every transformer of <paramref name="model"/>, in order.</summary>
    public static IEnumerable<ITransformer> Of(ITransformer model) => model is IEnumerable<ITransformer> chain
        ? chain.SelectMany(Of)
        : new[] { model };

    /// <summary>The Faces networks among the steps (to choose their <see cref="NetworkModelParameters.Engine"/>, say).</summary>
    public static IReadOnlyList<NetworkModelParameters> Networks(ITransformer model) =>
        Of(model).OfType<NetworkPredictionTransformer>().Select(t => t.Model).ToList();
}
