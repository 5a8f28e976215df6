using Faces.Torch.Convolution;
using Faces.Torch.Models;
using Faces.Torch.Native;
using Faces.Torch.Training;
using static TorchSharp.torch;

namespace Faces.Tests.Torch;

public sealed class NetworkTests
{
    public NetworkTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void Parameter_counts_match_the_study()
    {
        var mlp = new MlpArchitecture();
        var cnn = new CnnArchitecture();
        var best = new CnnArchitecture { Filters1 = 24, Filters2 = 40 };
        Assert.Equal(37_655, mlp.ParameterCount);
        Assert.Equal(10_599, cnn.ParameterCount);
        Assert.Equal(42_591, best.ParameterCount);
        using var a = FacesNetwork.Create(mlp, 1);
        using var b = FacesNetwork.Create(cnn, 1);
        using var c = FacesNetwork.Create(best, 1);
        Assert.Equal(37_655, a.ParameterCount);
        Assert.Equal(10_599, b.ParameterCount);
        Assert.Equal(42_591, c.ParameterCount);
    }

    [Theory]
    [InlineData(48, 48)] // the pools divide the maps
    [InlineData(50, 47)] // they leave a remainder
    public void Scoring_without_gradients_gives_exactly_the_training_forward_values(int height, int width)
    {
        using var network = FacesNetwork.Create(new CnnArchitecture { Height = height, Width = width }, 5);
        using var x = randn(new long[] { 6, height * width }, generator: new Generator(3));
        using var training = network.Module.forward(x); // gradients on: the explicit convolution function
        using var scoring = network.Logits(x);           // no gradients: libtorch's convolution directly
        Assert.Equal(training.shape, scoring.shape);
        Assert.True(training.detach().eq(scoring).all().item<bool>(), "scoring differs from the training forward pass");
    }

    [Theory]
    [InlineData(48, 48)] // the pools divide the maps
    [InlineData(28, 29)] // they do not (Fashion-MNIST's size and an odd width): the remainder is dropped
    public void Scoring_pools_to_max_pool2d_values_and_training_keeps_its_gradients(int height, int width)
    {
        using var network = FacesNetwork.Create(new CnnArchitecture { Height = height, Width = width }, 7);
        var cnn = (Cnn)network.Module;
        var parameters = cnn.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using var x = randn(new long[] { 5, height * width }, generator: new Generator(9));
        using var labels = tensor(new long[] { 0, 3, 6, 2, 5 });

        // Scoring (no gradients) pools by strided maxima; training through ReluMaxPoolFunction and its backward.
        Tensor ours;
        using (no_grad()) ours = cnn.forward(x);
        using var trained = cnn.forward(x);
        nn.functional.cross_entropy(trained, labels).backward();
        var oursGrads = parameters.ToDictionary(p => p.Key, p => p.Value.grad!.clone());
        foreach (var p in parameters.Values) p.grad!.zero_();

        // The same weights through libtorch's own layers: relu, max_pool2d, native convolution and its backward.
        using var image = x.view(-1, 1, height, width);
        using var pooled1 = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(image, parameters["conv1.weight"], parameters["conv1.bias"], padding: new long[] { 2, 2 })), 3);
        using var pooled2 = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(pooled1, parameters["conv2.weight"], parameters["conv2.bias"], padding: new long[] { 2, 2 })), 2);
        using var reference = nn.functional.linear(pooled2.flatten(1), parameters["fc.weight"], parameters["fc.bias"]);
        nn.functional.cross_entropy(reference, labels).backward();

        Assert.True(ours.eq(reference.detach()).all().item<bool>(), "scoring values differ from max_pool2d's");
        Assert.True(trained.detach().eq(reference.detach()).all().item<bool>(), "training values differ from max_pool2d's");
        ours.Dispose();
        foreach (var (name, p) in parameters)
        {
            double scale = p.grad!.abs().max().item<float>();
            double difference = (oursGrads[name] - p.grad!).abs().max().item<float>();
            Assert.True(difference <= 1e-5 * Math.Max(scale, 1e-3), $"{name}: gradients differ by {difference} (largest {scale})");
        }
    }

    [Fact]
    public void First_layer_weights_are_each_units_own_weights_in_row_order()
    {
        using var mlp = FacesNetwork.Create(new MlpArchitecture(), 4);
        var hidden = mlp.Module.named_parameters().First(p => p.name.EndsWith("weight")).parameter; // [16, 2304]
        var units = mlp.FirstLayerWeights();
        Assert.Equal(16, units.Length);
        Assert.Equal(2304, units[0].Length);
        foreach (var (u, i) in new[] { (0, 0), (0, 2303), (5, 47), (15, 1000) })
            Assert.Equal(hidden[u, i].item<float>(), units[u][i]);

        using var cnn = FacesNetwork.Create(new CnnArchitecture { Filters1 = 24, Filters2 = 40 }, 4);
        var filters = ((Cnn)cnn.Module).Convolutions.First.Weight; // [24, 1, 5, 5]
        var flat = cnn.FirstLayerWeights();
        Assert.Equal(24, flat.Length);
        Assert.Equal(25, flat[0].Length);
        foreach (var (f, y, x) in new[] { (0, 0, 0), (3, 1, 4), (23, 4, 2) })
            Assert.Equal(filters[f, 0, y, x].item<float>(), flat[f][y * 5 + x]);
    }

    [Fact]
    public void Study_initialisation_has_the_study_spreads_and_zero_biases()
    {
        using var network = FacesNetwork.Create(new MlpArchitecture { Hidden = new[] { 400, 32 } }, 3);
        var parameters = network.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.InRange(parameters.First(p => p.Key.EndsWith("weight")).Value.std().item<float>(), 0.095, 0.105);
        Assert.InRange(parameters["output.weight"].std().item<float>(), 0.007, 0.013);
        Assert.All(parameters.Where(p => p.Key.EndsWith("bias")), p => Assert.Equal(0f, p.Value.abs().max().item<float>()));
    }

    [Fact]
    public void Cnn_output_shape_follows_the_pools()
    {
        using var network = FacesNetwork.Create(new CnnArchitecture(), 1);
        using var logits = network.Logits(zeros(3, 2304));
        Assert.Equal(new long[] { 3, 7 }, logits.shape);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void Both_nets_learn_a_small_generated_problem(string kind)
    {
        using var data = TinyProblems.Squares(count: 300, size: 12, classes: 4, seed: 1);
        NetworkArchitecture architecture = kind == "mlp"
            ? new MlpArchitecture { Inputs = 144, Classes = 4 }
            : new CnnArchitecture { Height = 12, Width = 12, Classes = 4, Filters1 = 4, Filters2 = 8, Pool1 = 2, Pool2 = 2 };
        var options = new TrainingOptions { LearningRate = 0.1, Momentum = 0.9, Epochs = 40, BatchSize = 20, Seed = 2 };

        using var network = new NetworkTrainer(options).Train(architecture, data);

        Assert.True(network.Evaluate(data).Accuracy > 0.95, $"{kind} train accuracy {network.Evaluate(data).Accuracy}");
        Assert.Equal(40, network.LearningCurve.Count);
        Assert.True(network.LearningCurve[^1].TrainCrossEntropy < network.LearningCurve[0].TrainCrossEntropy);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights()
    {
        using var data = TinyProblems.Squares(120, 12, 3, seed: 4);
        var architecture = new CnnArchitecture { Height = 12, Width = 12, Classes = 3, Filters1 = 3, Filters2 = 4, Pool1 = 2, Pool2 = 2 };
        var options = new TrainingOptions { LearningRate = 0.05, Momentum = 0.5, Epochs = 3, BatchSize = 16, Seed = 9 };

        using var first = new NetworkTrainer(options).Train(architecture, data);
        using var second = new NetworkTrainer(options).Train(architecture, data);
        using var third = new NetworkTrainer(options with { Seed = 10 }).Train(architecture, data);

        var a = first.Module.parameters().Select(p => p.data<float>().ToArray()).ToList();
        var b = second.Module.parameters().Select(p => p.data<float>().ToArray()).ToList();
        var c = third.Module.parameters().Select(p => p.data<float>().ToArray()).ToList();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Save_then_load_gives_identical_predictions_and_curve()
    {
        using var data = TinyProblems.Squares(60, 12, 3, seed: 5);
        var architecture = new CnnArchitecture { Height = 12, Width = 12, Classes = 3, Filters1 = 3, Filters2 = 4, Pool1 = 2, Pool2 = 2 };
        using var network = new NetworkTrainer(new TrainingOptions { Epochs = 2, LearningRate = 0.1 }).Train(architecture, data);
        var stream = new MemoryStream();
        network.Save(stream);
        stream.Position = 0;

        using var loaded = FacesNetwork.Load(stream, expected: architecture);

        Assert.Equal(network.Evaluate(data).Probabilities, loaded.Evaluate(data).Probabilities);
        Assert.Equal(network.LearningCurve, loaded.LearningCurve);
        Assert.Equal(architecture, loaded.Architecture);
    }

    [Fact]
    public void Corrupt_weights_give_a_clear_error()
    {
        using var network = FacesNetwork.Create(new MlpArchitecture { Inputs = 16, Classes = 3 }, 1);
        var stream = new MemoryStream();
        network.Save(stream);
        byte[] bytes = stream.ToArray();
        bytes[^10] ^= 0xFF;

        var error = Assert.Throws<InvalidDataException>(() => FacesNetwork.Load(new MemoryStream(bytes), source: "model.bin"));
        Assert.Contains("model.bin", error.Message);
        Assert.Contains("corrupt", error.Message);

        var truncated = Assert.Throws<InvalidDataException>(() => FacesNetwork.Load(new MemoryStream(bytes[..40]), source: "short.bin"));
        Assert.Contains("short.bin", truncated.Message);

        var notOurs = Assert.Throws<InvalidDataException>(() => FacesNetwork.Load(new MemoryStream("PK\u0003\u0004 something else"u8.ToArray()), source: "x.zip"));
        Assert.Contains("not a Faces network", notOurs.Message);
    }

    [Fact]
    public void A_mismatched_architecture_gives_a_clear_error()
    {
        using var network = FacesNetwork.Create(new MlpArchitecture { Inputs = 16, Classes = 3 }, 1);
        var stream = new MemoryStream();
        network.Save(stream);
        stream.Position = 0;

        var error = Assert.Throws<InvalidDataException>(() =>
            FacesNetwork.Load(stream, source: "mlp.bin", expected: new MlpArchitecture { Inputs = 16, Hidden = new[] { 8 }, Classes = 3 }));
        Assert.Contains("mlp.bin", error.Message);
        Assert.Contains("Hidden = [16, 32]", error.Message);
    }

    [Fact]
    public void Wrong_input_width_gives_a_clear_error()
    {
        using var network = FacesNetwork.Create(new CnnArchitecture(), 1);
        var error = Assert.Throws<ArgumentException>(() => network.PredictProbabilities(new float[784]));
        Assert.Contains("48x48x1", error.Message);
        Assert.Contains("784", error.Message);
    }

    [Fact]
    public void Saving_to_a_file_replaces_it_whole()
    {
        string folder = Directory.CreateTempSubdirectory("faces-net-").FullName;
        try
        {
            string path = Path.Combine(folder, "net.bin");
            File.WriteAllText(path, "previous");
            using var network = FacesNetwork.Create(new MlpArchitecture { Inputs = 4, Classes = 2 }, 1);
            network.Save(path);
            using var loaded = FacesNetwork.Load(path);
            Assert.Equal(4, loaded.Architecture.InputSize);
            Assert.Single(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void Early_stopping_keeps_the_best_validation_weights()
    {
        using var train = TinyProblems.Squares(90, 12, 3, seed: 6);
        using var valid = TinyProblems.Squares(60, 12, 3, seed: 7);
        var options = new TrainingOptions { LearningRate = 0.5, Momentum = 0.9, Epochs = 60, BatchSize = 10, EarlyStoppingPatience = 3 };

        using var network = new NetworkTrainer(options).Train(new MlpArchitecture { Inputs = 144, Classes = 3 }, train, valid);

        var curve = network.LearningCurve;
        Assert.True(curve.Count < 60, "training did not stop early");
        double best = curve.Min(r => r.ValidationCrossEntropy!.Value);
        Assert.Equal(best, network.Evaluate(valid).CrossEntropy, 5);
    }

    /// <summary>Training reads a split's pixels where they are: a copy would hold every pixel twice (FER2013: 330 MB more).</summary>
    [Fact]
    public void Training_tensors_share_the_split_s_array_rather_than_copy_it()
    {
        var features = Enumerable.Range(0, 4 * 3).Select(i => i / 12f).ToArray();
        using var data = LabeledTensors.FromArrays(features, new[] { 0, 1, 0, 1 }, 3, 2, "train");
        Assert.Equal(new long[] { 4, 3 }, data.Features.shape);
        Assert.Equal(7 / 12f, data.Features[2, 1].item<float>());
        features[7] = 0.5f; // the array and the tensor are one memory
        Assert.Equal(0.5f, data.Features[2, 1].item<float>());
    }

    [Fact]
    public void Bad_data_and_settings_give_clear_errors()
    {
        var features = new float[4 * 3];
        features[7] = float.NaN;
        var nan = Assert.Throws<ArgumentException>(() => LabeledTensors.FromArrays(features, new[] { 0, 1, 0, 1 }, 3, 2, "train"));
        Assert.Contains("row 2", nan.Message);

        var label = Assert.Throws<ArgumentException>(() => LabeledTensors.FromArrays(new float[6], new[] { 0, 5 }, 3, 2, "train"));
        Assert.Contains("label 5", label.Message);

        Assert.Throws<ArgumentException>(() => new TrainingOptions { Momentum = 1.5 }.Validate());
        var cuda = Assert.Throws<ArgumentException>(() => FacesNetwork.Create(new MlpArchitecture(), 1, "cuda"));
        Assert.Contains("CUDA", cuda.Message);
    }

    [Fact]
    public void Explicit_and_native_cnns_train_to_the_same_weights()
    {
        using var data = TinyProblems.Squares(60, 12, 3, seed: 8);
        var explicitArchitecture = new CnnArchitecture { Height = 12, Width = 12, Classes = 3, Filters1 = 3, Filters2 = 4, Pool1 = 2, Pool2 = 2 };
        var options = new TrainingOptions { LearningRate = 0.1, Epochs = 2, BatchSize = 20 };

        using var a = new NetworkTrainer(options).Train(explicitArchitecture, data);
        using var b = new NetworkTrainer(options).Train(explicitArchitecture with { Convolution = ConvolutionKind.Native }, data);

        var pa = a.Evaluate(data).Probabilities.SelectMany(p => p).ToArray();
        var pb = b.Evaluate(data).Probabilities.SelectMany(p => p).ToArray();
        // Within 1e-4, not "equal after rounding to 4 decimals": 0.32394999 and 0.32395002 round apart.
        Assert.All(pa.Zip(pb), pair => Assert.Equal(pair.First, pair.Second, 1e-4));
    }
}
