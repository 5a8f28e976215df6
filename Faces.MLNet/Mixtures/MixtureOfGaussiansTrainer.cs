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

    /// <summary>Settings. Defaults follow the study's MoG classifier (K = 7, 10 iterations, minVary 0.01, randConst 1).</summary>
    public sealed class Options : TrainerInputBaseWithLabel
    {
        /// <summary>Components per class mixture. Default 7. A class with fewer rows gets one component per row (a warning is logged).</summary>
        public int Components = 7;
        /// <summary>Covariance shape. Default diagonal (the study's).</summary>
        public CovarianceType CovarianceType = CovarianceType.Diagonal;
        /// <summary>EM iterations at most. Default 10.</summary>
        public int MaxIterations = 10;
        /// <summary>Relative log-likelihood tolerance; 0 (default) runs every iteration.</summary>
        public double Tolerance;
        /// <summary>Variance floor (the study's minVary). Default 0.01.</summary>
        public double VarianceFloor = 0.01;
        /// <summary>Added to every variance in each M-step (scikit-learn's reg_covar). Default 0.</summary>
        public double RegCovar;
        /// <summary>Initialisation. Default random, as in the study.</summary>
        public MixtureInitialization Initialization = MixtureInitialization.Random;
        /// <summary>The study's randConst. Default 1.</summary>
        public double RandConst = 1;
        /// <summary>k-means Lloyd iterations for k-means initialisation. Default 5.</summary>
        public int KMeansIterations = 5;
        /// <summary>k-means initialisation only: start from an M-step on the hard k-means clusters (scikit-learn's way). Default false.</summary>
        public bool InitializeFromClusters;
        /// <summary>EM restarts per class, keeping the best log-likelihood. Default 1.</summary>
        public int Restarts = 1;
        /// <summary>Seed. Default 1.</summary>
        public int Seed = 1;

        internal GaussianMixtureOptions ToMixtureOptions(int components, int seed) => new()
        {
            Components = components, CovarianceType = CovarianceType, MaxIterations = MaxIterations, Tolerance = Tolerance,
            VarianceFloor = VarianceFloor, RegCovar = RegCovar, Initialization = Initialization, RandConst = RandConst,
            KMeansIterations = KMeansIterations, InitializeFromClusters = InitializeFromClusters, Restarts = Restarts, Seed = seed,
        };
    }

    private static readonly TrainerInfo TrainerInfo = new(normalization: false, caching: false);
    private readonly Options options;

    internal MixtureOfGaussiansTrainer(IHostEnvironment env, Options options)
        : base(Contracts.CheckRef(env, nameof(env)).Register(LoadName),
            TrainerUtils.MakeR4VecFeature(options.FeatureColumnName), TrainerUtils.MakeU4ScalarColumn(options.LabelColumnName))
    {
        this.options = options;
        options.ToMixtureOptions(Math.Max(1, options.Components), options.Seed).Validate();
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

        var rows = FeatureRows.Read(Host, data.Data, featureColumn.Name, labelColumn.Name);
        var rowsByClass = Enumerable.Range(0, classes).Select(_ => new List<float[]>()).ToArray();
        for (int n = 0; n < rows.Count; n++) rowsByClass[rows.Labels[n]].Add(rows.Row(n));

        int seen = rowsByClass.Count(r => r.Count > 0);
        if (seen < 2)
            throw Host.Except($"Mixture-of-Gaussians classification needs rows of at least two classes; the training data has {seen}.");
        long total = rowsByClass.Sum(r => (long)r.Count);
        var mixtures = new GaussianMixture?[classes];
        var priors = new double[classes];
        using (var channel = Host.Start("Training"))
        {
            for (int c = 0; c < classes; c++)
            {
                var classRows = rowsByClass[c];
                priors[c] = (double)classRows.Count / total;
                if (classRows.Count == 0)
                {
                    channel.Warning($"Class {c} has no training rows: it gets prior 0 and is never predicted.");
                    continue;
                }
                int components = Math.Min(options.Components, classRows.Count);
                if (components < options.Components)
                    channel.Warning($"Class {c} has {classRows.Count} rows, fewer than {options.Components} components: its mixture gets {components}.");
                using var x = GaussianMixture.ToTensor(classRows.ToArray(), dimension);
                mixtures[c] = new GaussianMixtureFitter(options.ToMixtureOptions(components, options.Seed + c)).Fit(x, $"class {c}");
                channel.Info($"Class {c}: {classRows.Count} rows, {components} components, log-likelihood per row {mixtures[c]!.LowerBound:F3} after {mixtures[c]!.Iterations} iterations.");
            }
        }
        return new MixtureOfGaussiansModelParameters(Host, mixtures, priors, dimension);
    }
}
