using System.Globalization;
using System.Text;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.Pipelines.Data;
using Faces.Cli.Reports;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Cli.Experiments;

/// <summary>
/// The study's experiments 4.2 and 4.3: one mixture of Gaussians (diagonal) over all training images, through the
/// ML.NET <see cref="GaussianMixtureEstimator"/>, for each initialisation (random, k-means) and randConst. Records the
/// log-likelihood per EM iteration, the mixing coefficients, the held-out log-likelihood on the validation split,
/// and draws the means and variances as images.
/// </summary>
internal static class MixtureDensityExperiment
{
    public sealed record Settings
    {
        public int Components { get; init; } = MixtureDefaults.Components;
        public int Iterations { get; init; } = MixtureDefaults.MaxIterations;
        public double VarianceFloor { get; init; } = MixtureDefaults.VarianceFloor;
        public double[] RandConsts { get; init; } = { 1, 5, 10, 100 };
        public MixtureInitialization[] Initializations { get; init; } = { MixtureInitialization.Random, MixtureInitialization.KMeans };
        public int Seed { get; init; } = 1;

        /// <summary>The study's settings; <paramref name="quick"/> keeps randConst 1 and 100 only.</summary>
        public static Settings Study(bool quick) => quick ? new Settings { RandConsts = new double[] { 1, 100 } } : new Settings();
    }

    /// <summary>One fit: settings, the per-iteration log-likelihood (sum over rows), weights, per-row train and validation log-likelihoods.</summary>
    public sealed record Run(MixtureInitialization Initialization, double RandConst, IReadOnlyList<double> LogLikelihoods, double[] Weights,
        double TrainPerRow, double ValidationPerRow);

    public static IReadOnlyList<Run> Execute(MLContext ml, FaceDataset data, Settings settings, string folder, StringBuilder markdown)
    {
        Directory.CreateDirectory(folder);
        var train = data.ToDataView(ml, data.Train);
        var valid = data.ToDataView(ml, data.Validation);
        var runs = new List<Run>();
        markdown.AppendLine("## Mixture of Gaussians as a density model (study 4.2, 4.3)").AppendLine();
        markdown.AppendLine($"One diagonal mixture, K = {settings.Components}, {settings.Iterations} EM iterations, minVary {settings.VarianceFloor}, " +
                            $"fitted to all {data.Train.Count} training images; validation log-likelihood on {data.Validation.Count} images.").AppendLine();
        markdown.AppendLine("| initialisation | randConst | train log-lik/row (last E-step) | valid log-lik/row (fitted model) | mixing coefficients | means (top) and variances (bottom) |");
        markdown.AppendLine("|---|---|---|---|---|---|");
        foreach (var initialization in settings.Initializations)
        foreach (var randConst in settings.RandConsts)
        {
            using var model = ml.Transforms.GaussianMixture(new GaussianMixtureEstimator.Options
            {
                Mixture = new GaussianMixtureOptions
                {
                    Components = settings.Components, MaxIterations = settings.Iterations, VarianceFloor = settings.VarianceFloor,
                    Initialization = initialization, RandConst = randConst, Seed = settings.Seed,
                },
            }).Fit(train);
            var mixture = model.Mixture;
            double validPerRow = model.Transform(valid).GetColumn<double>("LogLikelihood").Average();
            var run = new Run(initialization, randConst, mixture.LogLikelihoods, mixture.Weights, mixture.LogLikelihoods[^1] / data.Train.Count, validPerRow);
            runs.Add(run);

            string image = $"mog-density-{initialization.ToString().ToLowerInvariant()}-rc{randConst.ToString(CultureInfo.InvariantCulture)}.png";
            Plots.ImageGrid(Path.Combine(folder, image), data.Shape, new[]
            {
                (IReadOnlyList<float[]>)mixture.Means.Select(m => m.Select(v => (float)v).ToArray()).ToList(),
                mixture.Variances.Select(m => m.Select(v => (float)v).ToArray()).ToList(),
            }, stretch: true);
            markdown.AppendLine($"| {initialization} | {F(randConst)} | {F(run.TrainPerRow)} | {F(run.ValidationPerRow)} | " +
                                $"{string.Join(" ", run.Weights.Select(w => w.ToString("F3", CultureInfo.InvariantCulture)))} | ![means and variances]({image}) |");
        }
        markdown.AppendLine();
        Plots.Lines(Path.Combine(folder, "mog-density-loglik.png"), "Log-likelihood per training row, per EM iteration", "EM iteration", "log-likelihood per row",
            runs.Select(r => ($"{r.Initialization}, randConst {F(r.RandConst)}",
                (IReadOnlyList<(double, double)>)r.LogLikelihoods.Select((v, i) => ((double)(i + 1), v / data.Train.Count)).ToList())).ToList());
        markdown.AppendLine("![log-likelihood per iteration](mog-density-loglik.png)").AppendLine();
        markdown.AppendLine("The log-likelihood of an iteration is computed in its E-step, before its M-step (as the study records it).").AppendLine();
        return runs;
    }

    private static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
}
