using Faces.Torch.Models;
using Faces.Torch.Native;
using Faces.Torch.Training;
using static TorchSharp.torch;

namespace Faces.Tests.Torch;

/// <summary>The real-face network and its training recipe: augmentation, batch norm, flip averaging, saving.</summary>
public sealed class ExpressionNetTests
{
    public ExpressionNetTests() => TorchRuntime.EnsureInitialized();

    private static readonly ExpressionNetArchitecture Small = new() { Height = 16, Width = 16, Widths = new[] { 4, 8 }, Hidden = 16, Classes = 3 };

    /// <summary>An image whose pixel (y, x) is y·W + x, so every moved pixel says where it came from.</summary>
    private static Tensor Ramp(int height, int width) => arange(height * width, dtype: ScalarType.Float32).view(1, 1, height, width);

    [Fact]
    public void Parameter_count_of_the_default_network_is_computed_as_libtorch_counts_it()
    {
        var architecture = new ExpressionNetArchitecture();
        using var network = FacesNetwork.Create(architecture, 1);
        Assert.Equal(network.ParameterCount, architecture.ParameterCount);
        // 4 blocks of two 3x3 convolutions (24, 48, 96, 192 filters), FC 1728 → 1024 → 7.
        Assert.Equal(658_584 + 1_440 + 1_770_496 + 7_175, architecture.ParameterCount); // convolutions, batch norms, hidden and output layers
    }

    [Fact]
    public void A_flip_mirrors_the_image_and_a_shift_moves_it_by_the_stated_pixels()
    {
        var augmenter = new ImageAugmenter(new AugmentationOptions(), 1, 1, 8, 8);
        using var image = Ramp(8, 8);
        using var flipped = augmenter.Apply(image, new[] { ImageAugmenter.Draw.Identity with { Flip = true } });
        Assert.True(flipped.eq(image.flip(3)).all().item<bool>(), "a flip is not the mirror image");

        using var shifted = augmenter.Apply(image, new[] { ImageAugmenter.Draw.Identity with { ShiftX = 2, ShiftY = 1 } });
        // Content moves right by 2 and down by 1; the uncovered border repeats the edge pixels.
        using var expected = image.narrow(2, 0, 7).narrow(3, 0, 6);
        Assert.True(shifted.narrow(2, 1, 7).narrow(3, 2, 6).eq(expected).all().item<bool>(), "the shift is not 2 right, 1 down");
        Assert.Equal(0f, shifted[0, 0, 0, 0].item<float>()); // the repeated corner

        using var unchanged = augmenter.Apply(image, new[] { ImageAugmenter.Draw.Identity });
        Assert.True(unchanged.eq(image).all().item<bool>(), "the identity draw changed the image");
    }

    [Fact]
    public void Brightness_and_contrast_move_the_pixels_around_the_example_mean()
    {
        var augmenter = new ImageAugmenter(new AugmentationOptions(), 1, 1, 4, 4);
        using var image = Ramp(4, 4);
        float mean = image.mean().item<float>(), std = image.std().item<float>();
        using var changed = augmenter.Apply(image, new[] { ImageAugmenter.Draw.Identity with { Contrast = 1.5, Brightness = 0.5 } });
        using var expected = (image - mean) * 1.5f + mean + 0.5f * std;
        Assert.True(changed.allclose(expected, rtol: 1e-5, atol: 1e-4), "contrast or brightness not as defined");
    }

    [Fact]
    public void The_same_seed_gives_the_same_batches_and_another_seed_other_ones()
    {
        using var batch = randn(new long[] { 5, 1, 12, 12 }, generator: new Generator(4));
        Tensor Augmented(int seed) => new ImageAugmenter(new AugmentationOptions(), seed, 1, 12, 12).Apply(batch);
        using var a = Augmented(7);
        using var b = Augmented(7);
        using var c = Augmented(8);
        Assert.True(a.eq(b).all().item<bool>(), "one seed gave two batches");
        Assert.False(a.eq(c).all().item<bool>(), "two seeds gave one batch");
    }

    [Fact]
    public void Batch_norm_trains_on_batch_statistics_and_scores_on_its_running_ones_which_are_saved()
    {
        using var network = FacesNetwork.Create(Small with { FlipAveraging = false, Dropout = 0 }, 3);
        using var batch = randn(new long[] { 8, 256 }, generator: new Generator(5)) * 3 + 2;
        network.Module.train();
        using (no_grad())
        {
            using var trainingMode = network.Module.forward(batch);
            using var evalMode = network.Logits(batch); // eval: running statistics (still the initial 0 and 1)
            Assert.False(trainingMode.allclose(evalMode, rtol: 1e-3, atol: 1e-3), "train and eval mode agree where batch statistics differ from the running ones");
        }
        network.Module.train();
        using (no_grad()) network.Module.forward(batch).Dispose(); // moves the running statistics
        using var before = network.Logits(batch);

        using var file = new MemoryStream();
        network.Save(file);
        file.Position = 0;
        using var loaded = FacesNetwork.Load(file);
        using var after = loaded.Logits(batch);
        Assert.True(before.eq(after).all().item<bool>(), "the running statistics were not saved and restored");
        var names = loaded.Module.state_dict().Keys;
        Assert.Contains(names, n => n.EndsWith("running_mean", StringComparison.Ordinal));
    }

    [Fact]
    public void Its_network_file_is_format_2_while_the_study_networks_stay_format_1()
    {
        int Version(NetworkArchitecture architecture)
        {
            using var network = FacesNetwork.Create(architecture, 1);
            using var file = new MemoryStream();
            network.Save(file);
            return BitConverter.ToInt32(file.ToArray(), 8); // after "FACESNET"
        }
        Assert.Equal(2, Version(Small));
        Assert.Equal(1, Version(new CnnArchitecture()));
        Assert.Equal(1, Version(new MlpArchitecture()));
        using var real = FacesNetwork.Create(Small, 1);
        using var bytes = new MemoryStream();
        real.Save(bytes);
        var newer = bytes.ToArray();
        BitConverter.GetBytes(3).CopyTo(newer, 8);
        var error = Assert.Throws<InvalidDataException>(() => FacesNetwork.Load(new MemoryStream(newer), source: "future.bin"));
        Assert.Contains("newer Faces", error.Message);
    }

    [Fact]
    public void Flip_averaging_scores_a_face_and_its_mirror_image_alike()
    {
        using var network = FacesNetwork.Create(Small, 4);
        using var faces = randn(new long[] { 3, 1, 16, 16 }, generator: new Generator(6));
        var direct = softmax(network.Logits(faces), 1);
        var mirrored = softmax(network.Logits(faces.flip(3)), 1);
        Assert.True(direct.allclose(mirrored, rtol: 1e-5, atol: 1e-6), "mirror images scored differently");
        using var plain = FacesNetwork.Create(Small with { FlipAveraging = false }, 4);
        var once = softmax(plain.Logits(faces), 1);
        var twice = softmax(plain.Logits(faces.flip(3)), 1);
        Assert.True(((once + twice) / 2).allclose(direct, rtol: 1e-5, atol: 1e-6), "the average is not of the two probabilities");
    }

    [Fact]
    public void Recipe_settings_that_cannot_work_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new TrainingOptions { Nesterov = true }.Validate()); // no momentum
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LabelSmoothing = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainingOptions { Schedule = LearningRateSchedule.OneCycle, EarlyStoppingPatience = 3 }.Validate());
        Assert.Throws<ArgumentException>(() => new AugmentationOptions { MaxScale = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => (Small with { Widths = new[] { 4, 4, 4, 4, 4 } }).Validate()); // 16 → 0 after five poolings
        var mlp = new MlpArchitecture { Inputs = 256 };
        var data = new LabeledTensors(zeros(4, 256), tensor(new long[] { 0, 1, 0, 1 }), 2);
        Assert.Throws<ArgumentException>(() => new NetworkTrainer(new TrainingOptions { Augmentation = new() }).Train(mlp with { Classes = 2 }, data));
    }
}
