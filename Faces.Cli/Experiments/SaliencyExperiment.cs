using System.Globalization;
using System.Text;
using Faces.Pipelines.Data;
using Faces.Torch.Explain;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Cli.Experiments;

/// <summary>
/// <c>faces experiment saliency</c>: do the saliency maps point where the expression is? Synthetic faces carry their
/// expression in one region only (brows, eyes, nose or mouth; the rest neutral); the study's CNN is trained on them,
/// and again on the same faces with shuffled labels. For each held-out face, the share of its map (for the class the
/// network gives it) inside the region, divided by the region's share of the image: 1 is no better than chance.
/// </summary>
internal static class SaliencyExperiment
{
    /// <summary>Training faces: at 2,100 mouth-only faces the CNN learns the mouths (700 were too few to learn much).</summary>
    public const int TrainCount = 2100;

    /// <summary>One region's outcome for one network: the factor of each method, and the network's test accuracy.</summary>
    public sealed record Outcome(FaceRegion Region, bool ShuffledLabels, double Accuracy, IReadOnlyDictionary<SaliencyMethod, double> Factors);

    /// <summary>The study's CNN with momentum, trained on faces whose expression is in <paramref name="region"/> only.</summary>
    public static Outcome Measure(FaceRegion region, bool shuffleLabels, int seed = 3, IReadOnlyList<SaliencyMethod>? methods = null)
    {
        methods ??= Enum.GetValues<SaliencyMethod>();
        var options = SyntheticFaces.Options.Quick with { Carrier = region, MinimumStrength = 1, TrainCount = TrainCount, Seed = seed };
        var (faces, masks) = SyntheticFaces.GenerateWithMasks(options, region);
        var labels = faces.Train.Labels.ToArray();
        if (shuffleLabels) new Random(seed + 2).Shuffle(labels);
        int pixels = faces.Shape.Size;
        using var train = LabeledTensors.FromArrays(faces.Train.Features, labels, pixels, faces.ClassNames.Count, "train");
        using var network = new NetworkTrainer(TrainingOptions.ForCnn with { Epochs = 20, LearningRate = 0.01, Momentum = 0.9, Seed = seed })
            .Train(new CnnArchitecture(), train);
        using var test = LabeledTensors.From(faces.Test, faces.ClassNames.Count);
        var evaluation = network.Evaluate(test);

        var inside = new Dictionary<SaliencyMethod, double>();
        double area = 0;
        for (int n = 0; n < faces.Test.Count; n++)
        {
            var probabilities = evaluation.Probabilities[n];
            int predicted = Array.IndexOf(probabilities, probabilities.Max());
            var mask = masks.Of(masks.Test, n, pixels);
            for (int p = 0; p < pixels; p++)
                if (mask[p])
                    area += 1.0 / pixels;
            foreach (var method in methods)
            {
                var map = SaliencyMaps.For(network, faces.Test.Row(n), predicted, method);
                double share = 0;
                for (int p = 0; p < pixels; p++)
                    if (mask[p])
                        share += map[p];
                inside[method] = inside.GetValueOrDefault(method) + share;
            }
        }
        return new Outcome(region, shuffleLabels, evaluation.Accuracy, inside.ToDictionary(kv => kv.Key, kv => kv.Value / area));
    }

    /// <summary>Every region (the quick form: the mouth) trained and shuffled; the table in Markdown.</summary>
    public static void Execute(bool quick, int seed, StringBuilder md, Action<string?> step)
    {
        var regions = quick ? new[] { FaceRegion.Mouth } : new[] { FaceRegion.Brows, FaceRegion.Eyes, FaceRegion.Nose, FaceRegion.Mouth };
        var methods = Enum.GetValues<SaliencyMethod>();
        md.AppendLine($"Synthetic faces ({TrainCount} training, 140 test; full-strength expressions in one region, the rest neutral), the study's CNN " +
                      "(8/16 filters, 20 epochs, learning rate 0.01, momentum 0.9). Factor: the map's mean share inside the region ÷ the region's " +
                      "share of the image, over the test faces, each for the class the network gives it.").AppendLine();
        md.AppendLine($"| region | labels | test accuracy | {string.Join(" | ", methods)} |");
        md.AppendLine($"|---|---|---|{string.Concat(methods.Select(_ => "---|"))}");
        foreach (var region in regions)
        foreach (bool shuffled in new[] { false, true })
        {
            var outcome = Measure(region, shuffled, seed, methods);
            md.AppendLine($"| {region.ToString().ToLowerInvariant()} | {(shuffled ? "shuffled" : "true")} | {outcome.Accuracy.ToString("F3", CultureInfo.InvariantCulture)} | " +
                          string.Join(" | ", methods.Select(m => outcome.Factors[m].ToString("F2", CultureInfo.InvariantCulture) + "x")) + " |");
            step($"{region}, {(shuffled ? "shuffled" : "true")} labels");
        }
        md.AppendLine();
    }
}
