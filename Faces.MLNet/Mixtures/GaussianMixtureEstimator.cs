using Faces.MLNet.Internals;
using Faces.Torch.Native;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// Fits one Gaussian mixture by EM to a known-size float-vector column (no labels) and adds, per row, the
/// responsibilities of its components and log p(x): the study's density experiments.
/// Create it with <c>mlContext.Transforms.GaussianMixture(...)</c>.
/// </summary>
public sealed class GaussianMixtureEstimator : IEstimator<GaussianMixtureTransformer>
{
    /// <summary>Column names and the mixture settings.</summary>
    public sealed class Options
    {
        /// <summary>The input vector column. Default "Features".</summary>
        public string FeatureColumnName = DefaultColumnNames.Features;
        /// <summary>Output: the K responsibilities γ_k(x), a vector of Single summing to 1. Default "Responsibilities".</summary>
        public string ResponsibilitiesColumnName = "Responsibilities";
        /// <summary>Output: log p(x) under the mixture, a Double. Default "LogLikelihood".</summary>
        public string LogLikelihoodColumnName = "LogLikelihood";
        /// <summary>The mixture settings; defaults follow the study (K = 7, 10 iterations, minVary 0.01, randConst 1, random init).</summary>
        public GaussianMixtureOptions Mixture = new();
    }

    private readonly IHost host;
    private readonly Options options;

    internal GaussianMixtureEstimator(IHostEnvironment env, Options options)
    {
        host = Contracts.CheckRef(env, nameof(env)).Register(nameof(GaussianMixtureEstimator));
        this.options = options;
        try
        {
            options.Mixture.Validate();
        }
        catch (ArgumentException e)
        {
            throw host.Except(e, e.Message);
        }
        foreach (var name in new[] { options.FeatureColumnName, options.ResponsibilitiesColumnName, options.LogLikelihoodColumnName })
            if (string.IsNullOrWhiteSpace(name)) throw host.Except("Column names must not be empty.");
        if (options.ResponsibilitiesColumnName == options.LogLikelihoodColumnName)
            throw host.Except($"The two output columns need different names; both are '{options.LogLikelihoodColumnName}'.");
    }

    /// <inheritdoc />
    public GaussianMixtureTransformer Fit(IDataView input)
    {
        host.CheckValue(input, nameof(input));
        TorchRuntime.EnsureInitialized();
        var rows = FeatureRows.Read(host, input, options.FeatureColumnName);
        if (rows.Count < options.Mixture.Components)
            throw host.Except($"Column '{options.FeatureColumnName}' has {rows.Count} rows; a mixture of {options.Mixture.Components} components needs at least that many.");
        using var x = FeatureRows.ToTensor(rows);
        GaussianMixture mixture;
        using (var channel = host.Start("Fitting"))
        {
            mixture = new GaussianMixtureFitter(options.Mixture).Fit(x, $"column '{options.FeatureColumnName}'");
            channel.Info($"{rows.Count} rows, {mixture.Components} components: log-likelihood per row {mixture.LowerBound:F3} after {mixture.Iterations} iterations (converged: {mixture.Converged}).");
        }
        return new GaussianMixtureTransformer(host, mixture, options.FeatureColumnName, options.ResponsibilitiesColumnName, options.LogLikelihoodColumnName);
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        host.CheckValue(inputSchema, nameof(inputSchema));
        var input = inputSchema.FirstOrDefault(c => c.Name == options.FeatureColumnName);
        if (input.Name == null)
            throw host.ExceptSchemaMismatch(nameof(inputSchema), "features", options.FeatureColumnName);
        if (input.Kind != SchemaShape.Column.VectorKind.Vector || input.ItemType != NumberDataViewType.Single)
            throw host.Except($"Column '{options.FeatureColumnName}' must be a known-size vector of Single; it is a {input.Kind} of {input.ItemType}.");
        var columns = inputSchema.ToDictionary(c => c.Name);
        columns[options.ResponsibilitiesColumnName] = new SchemaShape.Column(options.ResponsibilitiesColumnName,
            SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
        columns[options.LogLikelihoodColumnName] = new SchemaShape.Column(options.LogLikelihoodColumnName,
            SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Double, false);
        return new SchemaShape(columns.Values);
    }
}
