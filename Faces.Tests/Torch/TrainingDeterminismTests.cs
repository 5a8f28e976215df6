using Faces.Tests.Concurrency;
using Faces.Torch.Models;
using Faces.Torch.Native;
using Faces.Torch.Training;
using static TorchSharp.torch;

namespace Faces.Tests.Torch;

/// <summary>
/// One seed, one thread count: the same network, bit for bit, even while another thread draws from libtorch's
/// process-wide generator. Alone, because the thread count a training sets is process-wide too.
/// </summary>
[Collection(SoloCollection.Name)]
public sealed class TrainingDeterminismTests
{
    public TrainingDeterminismTests() => TorchRuntime.EnsureInitialized();

    private static readonly ExpressionNetArchitecture Small = new() { Height = 16, Width = 16, Widths = new[] { 4, 8 }, Hidden = 16, Classes = 3 };

    private static readonly TrainingOptions Recipe = new()
    {
        LearningRate = 0.05, Momentum = 0.9, Nesterov = true, LabelSmoothing = 0.1, Schedule = LearningRateSchedule.OneCycle,
        Augmentation = new AugmentationOptions(), Epochs = 8, BatchSize = 16, Seed = 3, Threads = 1, RecordTrainingMetrics = false,
    };

    /// <summary>Class k has a bright band in row band k: learnable through the augmentation's small moves.</summary>
    private static LabeledTensors Bands()
    {
        var random = new Random(2);
        int n = 96;
        var x = new float[n * 256];
        var y = new long[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = i % 3;
            for (int p = 0; p < 256; p++) x[i * 256 + p] = (float)(random.NextDouble() * 0.2 + (p / 16 / 5 == y[i] ? 0.8 : 0));
        }
        return new LabeledTensors(tensor(x, new long[] { n, 256 }), tensor(y), 3);
    }

    [Fact]
    public void Training_with_the_recipe_learns_a_separable_problem_and_is_deterministic()
    {
        var data = Bands();
        using var first = new NetworkTrainer(Recipe).Train(Small, data);
        using var second = new NetworkTrainer(Recipe).Train(Small, data);
        var evaluation = first.Evaluate(data);
        Assert.True(evaluation.Accuracy >= 0.95, $"accuracy {evaluation.Accuracy}");
        Assert.Equal(evaluation.Probabilities.SelectMany(p => p), second.Evaluate(data).Probabilities.SelectMany(p => p));
    }

    [Fact]
    public void Draws_from_the_process_wide_generator_elsewhere_change_neither_initial_weights_nor_dropout()
    {
        var data = Bands();
        using var quiet = new NetworkTrainer(Recipe).Train(Small, data);

        // Another thread keeps drawing from libtorch's default generator (and reseeding it) during the second training.
        using var stop = new CancellationTokenSource();
        var noise = new Thread(() =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                if (i % 100 == 0) random.manual_seed(i);
                using var drawn = rand(64);
            }
        });
        noise.Start();
        FacesNetwork noisy;
        try
        {
            noisy = new NetworkTrainer(Recipe).Train(Small, data);
        }
        finally
        {
            stop.Cancel();
            noise.Join();
        }
        using (noisy)
            Assert.Equal(quiet.Evaluate(data).Probabilities.SelectMany(p => p), noisy.Evaluate(data).Probabilities.SelectMany(p => p));
    }
}
