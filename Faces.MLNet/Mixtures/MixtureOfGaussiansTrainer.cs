using Faces.MLNet.Internals;
using Faces.Torch.Native;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures;

/// <summary>
/// Trains one Gaussian mixture per class by EM and predicts the class with the largest log p(x | class) + log prior,
/// with class posteriors as Score. Input: a known-size float vector Features column and a key Label column.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.MixtureOfGaussians(...)</c>.
/// </summary>
public sealed class MixtureOfGaussiansTrainer
    : TrainerEstimatorBase<MulticlassPredictionTransformer<MixtureOfGaussiansModelParameters>, MixtureOfGaussiansModelParameters>
{
    internal const string LoadName = "FacesMixtureOfGaussians";

    /// <summary>Settings: the columns, and the mixture each class gets (<see cref="MixtureDefaults"/>: the study's K = 7, 10 iterations, minVary 0.01, randConst 1).</summary>
    public sealed class Options : TrainerInputBaseWithLabel
    {
        /// <summary>
        /// The per-class mixture settings. A class with fewer rows than <see cref="GaussianMixtureOptions.Components"/>
        /// gets one component per row (a warning is logged); class c is fitted with seed <c>Seed + c</c>.
        /// </summary>
        public GaussianMixtureOptions Mixture = new();
    }

    private static readonly TrainerInfo TrainerInfo = new(normalization: false, caching: false);
    private readonly Options options;

    internal MixtureOfGaussiansTrainer(IHostEnvironment env, Options options)
        : base(Contracts.CheckRef(env, nameof(env)).Register(LoadName),
            TrainerUtils.MakeR4VecFeature(options.FeatureColumnName), TrainerUtils.MakeU4ScalarColumn(options.LabelColumnName))
    {
        this.options = options;
        try
        {
            options.Mixture.Validate();
        }
        catch (ArgumentException e)
        {
            throw Host.Except(e, e.Message);
        }
    }

    /// <inheritdoc />
    public override PredictionKind PredictionKind => PredictionKind.MulticlassClassification;

    /// <inheritdoc />
    public override TrainerInfo Info => TrainerInfo;

    /// <inheritdoc />
    public override SchemaShape.Column[] GetOutputColumnsCore(SchemaShape inputSchema) =>
        MulticlassOutputSchema.Columns(inputSchema, FeatureColumn.Name, LabelColumn.Name);

    /// <inheritdoc />
    public override MulticlassPredictionTransformer<MixtureOfGaussiansModelParameters> MakeTransformer(
        MixtureOfGaussiansModelParameters model, DataViewSchema trainSchema) =>
        new(Host, model, trainSchema, FeatureColumn.Name, LabelColumn.Name);

    /// <inheritdoc />
    public override MixtureOfGaussiansModelParameters TrainModelCore(TrainContext context)
    {
        TorchRuntime.EnsureInitialized();
        var data = context.TrainingSet;
        var labelColumn = data.Schema.Label!.Value;
        var featureColumn = data.Schema.Feature!.Value;
        if (labelColumn.Type is not KeyDataViewType keyType)
            throw Host.Except($"Label column '{labelColumn.Name}' must be a key type; it is {labelColumn.Type}.");
        if (featureColumn.Type is not VectorDataViewType { IsKnownSize: true } vectorType || vectorType.ItemType != NumberDataViewType.Single)
            throw Host.Except($"Features column '{featureColumn.Name}' must be a known-size vector of Single; it is {featureColumn.Type}.");
        int classes = keyType.GetCountAsInt32(Host);
        int dimension = vectorType.Size;
        var names = ClassNames(labelColumn, classes);

        var rows = FeatureRows.Read(Host, data.Data, featureColumn.Name, labelColumn.Name);
        var rowsByClass = rows.RowsByClass(classes);
        using var all = FeatureRows.ToTensor(rows);

        int seen = rowsByClass.Count(r => r.Length > 0);
        if (seen < 2)
            throw Host.Except($"Mixture-of-Gaussians classification needs rows of at least two classes; the training data has {seen}.");
        long total = rows.Count;
        var mixtures = new GaussianMixture?[classes];
        var priors = new double[classes];
        using (var channel = Host.Start("Training"))
        {
            for (int c = 0; c < classes; c++)
            {
                var classRows = rowsByClass[c];
                priors[c] = (double)classRows.Length / total;
                if (classRows.Length == 0)
                {
                    channel.Warning($"Class '{names[c]}' has no training rows: it gets prior 0 and is never predicted.");
                    continue;
                }
                int components = Math.Min(options.Mixture.Components, classRows.Length);
                if (components < options.Mixture.Components)
                    channel.Warning($"Class '{names[c]}' has {classRows.Length} training rows, fewer than {options.Mixture.Components} components: its mixture gets {components}.");
                using var indices = tensor(classRows);
                using var x = all.index_select(0, indices);
                var settings = options.Mixture with { Components = components, Seed = options.Mixture.Seed + c };
                mixtures[c] = new GaussianMixtureFitter(settings).Fit(x, $"class {c}");
                channel.Info($"Class '{names[c]}': {classRows.Length} rows, {components} components, log-likelihood per row {mixtures[c]!.LowerBound:F3} after {mixtures[c]!.Iterations} iterations.");
            }
        }
        return new MixtureOfGaussiansModelParameters(Host, mixtures, priors, dimension);
    }

    /// <summary>The label's key values (class names) when it has them, else "0", "1", ….</summary>
    private static string[] ClassNames(DataViewSchema.Column label, int classes)
    {
        if (label.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            var values = default(VBuffer<ReadOnlyMemory<char>>);
            label.GetKeyValues(ref values);
            var names = values.DenseValues().Select(v => v.ToString()).ToArray();
            if (names.Length == classes) return names;
        }
        return Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }
}
