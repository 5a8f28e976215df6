using Faces.MLNet.Networks;
using Faces.Pipelines.Data;
using Faces.Torch.Explain;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Pipelines.Recognition;

/// <summary>
/// Saliency maps (<see cref="SaliencyMaps"/>) for rows scored by an ML.NET pipeline whose classifier is a Faces network:
/// each row goes through the pipeline's own steps before the network (its normalisation), then the network explains
/// it. Steps that need a column a Features-only row lacks (a pipeline's MapValueToKey of its Label) are left out: they
/// cannot be what made the network's Features. Made once per model; safe to share between threads.
/// </summary>
public sealed class ModelExplainer
{
    private readonly MLContext ml;
    private readonly NetworkModelParameters network;
    private readonly ITransformer before;
    private readonly string featureColumn;
    private readonly int inputSize;

    private ModelExplainer(MLContext ml, NetworkModelParameters network, ITransformer before, string featureColumn)
    {
        this.ml = ml;
        this.network = network;
        this.before = before;
        this.featureColumn = featureColumn;
        inputSize = checked((int)network.Architecture.InputSize);
    }

    /// <summary>The explainer of <paramref name="model"/>, or null when its classifier is not a network (a mixture model has no gradients).</summary>
    public static ModelExplainer? For(MLContext ml, ITransformer model)
    {
        var steps = ModelSteps.Of(model).ToList();
        int at = steps.FindIndex(s => s is ISingleFeaturePredictionTransformer<object> { Model: NetworkModelParameters });
        if (at < 0) return null;
        var predictor = (ISingleFeaturePredictionTransformer<object>)steps[at];
        return new ModelExplainer(ml, (NetworkModelParameters)predictor.Model, new TransformerChain<ITransformer>(steps.Take(at).ToArray()), predictor.FeatureColumnName);
    }

    /// <summary>
    /// The map of each row (the pipeline's Features, before its steps) for the class at the same index of
    /// <paramref name="classIndices"/>: the row's length in values, summing to 1. One backward pass per row (two with
    /// flip averaging).
    /// </summary>
    public IReadOnlyList<float[]> Explain(IReadOnlyList<float[]> rows, IReadOnlyList<int> classIndices, SaliencyMethod? method = null)
    {
        if (rows.Count != classIndices.Count) throw new ArgumentException($"{rows.Count} rows but {classIndices.Count} classes to explain.");
        if (rows.Count == 0) return Array.Empty<float[]>();
        if (rows.FirstOrDefault(r => r.Length != inputSize) is { } wrong)
            throw new ArgumentException($"A row has {wrong.Length} values; the network takes {inputSize}.");
        var view = FeatureRow.Load(ml, rows, inputSize);
        foreach (var step in ModelSteps.Of(before))
            if (Accepts(step, view.Schema)) view = step.Transform(view);
        var inputs = view.GetColumn<float[]>(featureColumn).ToList();
        return inputs.Select((row, i) => SaliencyMaps.For(network.Network, row, classIndices[i], method)).ToList();
    }

    private static bool Accepts(ITransformer step, DataViewSchema schema)
    {
        try
        {
            step.GetOutputSchema(schema);
            return true;
        }
        catch (ArgumentException)
        {
            return false; // a column it reads is missing (ArgumentOutOfRangeException is one)
        }
    }

}
