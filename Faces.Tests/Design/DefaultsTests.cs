using System.Reflection;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Faces.MLNet.Networks;
using Faces.Cli.Commands;
using Faces.Pipelines.Training;
using Faces.Torch.Models;
using Faces.Torch.Training;

namespace Faces.Tests.Design;

/// <summary>
/// Every default is written once (the Defaults classes); the records, the ML.NET Options, the catalog methods and the
/// command line must all agree with it. Changing a default in any one of them alone turns one of these red.
/// </summary>
public sealed class DefaultsTests
{
    [Fact]
    public void The_command_line_defaults_are_the_library_defaults()
    {
        var mlp = TrainCommand.ParseSettings("--model", "mlp");
        Assert.Equal(TrainingOptions.ForMlp, mlp.Training);
        Assert.Equal(new MlpArchitecture(), mlp.Architecture);

        var cnn = TrainCommand.ParseSettings("--model", "cnn");
        Assert.Equal(TrainingOptions.ForCnn, cnn.Training);
        Assert.Equal(new CnnArchitecture(), cnn.Architecture);

        var mog = TrainCommand.ParseSettings("--model", "mog");
        Assert.Equal(new GaussianMixtureOptions(), mog.Mixture);
        Assert.Equal(Normalization.None, mog.Normalization);
    }

    public static TheoryData<string, ModelKind> Presets => new()
    {
        { "study", ModelKind.Mog }, { "study", ModelKind.Mlp }, { "study", ModelKind.Cnn },
        { "best", ModelKind.Mog }, { "best", ModelKind.Mlp }, { "best", ModelKind.Cnn },
        { "real", ModelKind.Cnn },
    };

    /// <summary>Each preset is one settings record (TrainingPresets); the command line gives exactly it, and an option given explicitly wins.</summary>
    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_preset_is_one_record_that_the_command_line_reads(string preset, ModelKind kind)
    {
        string model = kind.ToString().ToLowerInvariant();
        var expected = TrainingPresets.For(Enum.Parse<TrainingPreset>(preset, ignoreCase: true), kind);
        Assert.Equal(expected, TrainCommand.ParseSettings("--model", model, "--preset", preset));
        var shorter = TrainCommand.ParseSettings("--model", model, "--preset", preset, "--epochs", "3", "--components", "2");
        Assert.Equal(expected with { Training = expected.NetworkTraining with { Epochs = 3 }, Mixture = expected.Mixture with { Components = 2 } }, shorter);
    }

    /// <summary>--widths sets the real-face network's blocks, and only that network's: other presets refuse it rather than ignore it.</summary>
    [Fact]
    public void Widths_set_the_real_face_network_s_blocks_and_nothing_else()
    {
        var real = TrainCommand.ParseSettings("--model", "cnn", "--preset", "real", "--widths", "8", "16", "32");
        Assert.Equal(new ExpressionNetArchitecture { Widths = new[] { 8, 16, 32 } }, real.Architecture);
        Assert.Equal(TrainingPresets.Real.NetworkTraining with { Seed = real.NetworkTraining.Seed }, real.NetworkTraining);
        var error = Assert.Throws<ArgumentException>(() => TrainCommand.ParseSettings("--model", "cnn", "--preset", "best", "--widths", "24", "48"));
        Assert.Contains("--widths", error.Message);
        Assert.Throws<ArgumentException>(() => TrainCommand.ParseSettings("--model", "cnn", "--widths", "24"));
        // A width that cannot build is refused while parsing, before any data is loaded.
        Assert.Contains("--widths 0", Assert.Throws<ArgumentException>(() => TrainCommand.ParseSettings("--model", "cnn", "--preset", "real", "--widths", "16", "0")).Message);
    }

    [Fact]
    public void The_fast_preset_is_the_real_recipe_on_narrower_blocks_for_fewer_epochs()
    {
        // The dropout both presets were measured with (docs/real-faces.md).
        var real = TrainCommand.ParseSettings("--model", "cnn", "--preset", "real");
        Assert.Equal(new ExpressionNetArchitecture { Widths = new[] { 24, 48, 96, 192 }, Dropout = 0.25 }, real.Architecture);
        // The widths, dropout and epochs docs/real-faces.md measured the fast preset with.
        var fast = TrainCommand.ParseSettings("--model", "cnn", "--preset", "fast");
        Assert.Equal(new ExpressionNetArchitecture { Widths = new[] { 16, 32, 64, 128 }, Dropout = 0.25 }, fast.Architecture);
        Assert.Equal(TrainingPresets.Real.NetworkTraining with { Epochs = 20, Seed = fast.NetworkTraining.Seed }, fast.NetworkTraining);
        Assert.Equal(TrainingPresets.Real with { Training = fast.NetworkTraining, Architecture = fast.Architecture }, fast);
        // Options given still win over the preset.
        Assert.Equal(new[] { 24, 48 }, ((ExpressionNetArchitecture)TrainCommand.ParseSettings("--model", "cnn", "--preset", "fast", "--widths", "24", "48").Architecture!).Widths);
        Assert.Contains("--model cnn", Assert.Throws<ArgumentException>(() => TrainingPresets.For(TrainingPreset.Fast, ModelKind.Mlp)).Message);
    }

    [Fact]
    public void The_best_preset_is_the_study_s_best_run_and_the_experiment_trains_it()
    {
        var best = TrainingPresets.Best(ModelKind.Cnn);
        Assert.Equal((24, 40), (((CnnArchitecture)best.Architecture!).Filters1, ((CnnArchitecture)best.Architecture!).Filters2));
        Assert.Equal((0.01, 0.9, 60, 10), (best.NetworkTraining.LearningRate, best.NetworkTraining.Momentum, best.NetworkTraining.Epochs, best.NetworkTraining.EarlyStoppingPatience));
        Assert.Equal(0.05, TrainingPresets.Best(ModelKind.Mlp).NetworkTraining.LearningRate);
        Assert.Equal(MixtureInitialization.KMeans, TrainingPresets.Best(ModelKind.Mog).Mixture.Initialization);
        var experiment = Faces.Cli.Experiments.NetworkExperiment.Study(quick: false).Last().Settings;
        Assert.Equal(best with { Training = best.NetworkTraining with { Seed = experiment.NetworkTraining.Seed } }, experiment);
        Assert.Throws<ArgumentException>(() => TrainingPresets.For(TrainingPreset.Real, ModelKind.Mlp));
    }

    [Fact]
    public void The_detector_s_defaults_are_one_class_that_its_options_and_the_command_line_read()
    {
        var options = new Faces.Pipelines.Detection.FaceDetectorOptions();
        Assert.Equal((Faces.Pipelines.Detection.FaceDetectorDefaults.ScaleFactor, Faces.Pipelines.Detection.FaceDetectorDefaults.MinNeighbors,
                Faces.Pipelines.Detection.FaceDetectorDefaults.MinSize, Faces.Pipelines.Detection.FaceDetectorDefaults.Margin, Faces.Pipelines.Detection.FaceDetectorDefaults.SearchSide),
            (options.ScaleFactor, options.MinNeighbors, options.MinSize, options.Margin, options.SearchSide));
        var arguments = new DetectionArguments();
        var command = new System.CommandLine.RootCommand();
        foreach (var option in arguments.All) command.Options.Add(option);
        Assert.Equal(options, arguments.Read(command.Parse(Array.Empty<string>())));
    }

    [Fact]
    public void The_records_and_the_ML_NET_options_read_the_defaults_classes()
    {
        Assert.Equal((MlpDefaults.LearningRate, MlpDefaults.Epochs), (TrainingOptions.ForMlp.LearningRate, TrainingOptions.ForMlp.Epochs));
        Assert.Equal((CnnDefaults.LearningRate, CnnDefaults.Epochs), (TrainingOptions.ForCnn.LearningRate, TrainingOptions.ForCnn.Epochs));
        Assert.Equal(MlpDefaults.Hidden, new MlpArchitecture().Hidden);
        Assert.Equal((CnnDefaults.Filters1, CnnDefaults.Filters2, CnnDefaults.Pool1, CnnDefaults.Pool2), (new CnnArchitecture().Filters1, new CnnArchitecture().Filters2, new CnnArchitecture().Pool1, new CnnArchitecture().Pool2));
        Assert.Equal((MixtureDefaults.Components, MixtureDefaults.MaxIterations, MixtureDefaults.VarianceFloor),
            (new GaussianMixtureOptions().Components, new GaussianMixtureOptions().MaxIterations, new GaussianMixtureOptions().VarianceFloor));

        Assert.Equal(TrainingOptions.ForMlp, new MlpTrainer.Options().Training);
        Assert.Equal(new MlpArchitecture(), new MlpTrainer.Options().Architecture);
        Assert.Equal(TrainingOptions.ForCnn, new CnnTrainer.Options().Training);
        Assert.Equal(new CnnArchitecture(), new CnnTrainer.Options().Architecture);
        Assert.Equal(new GaussianMixtureOptions(), new MixtureOfGaussiansTrainer.Options().Mixture);
        Assert.Equal(new GaussianMixtureOptions(), new GaussianMixtureEstimator.Options().Mixture);
    }

    public static TheoryData<string, Type, string> CatalogMethods => new()
    {
        { nameof(MulticlassCatalogExtensions.Mlp), typeof(MulticlassCatalogExtensions), "mlp" },
        { nameof(MulticlassCatalogExtensions.Cnn), typeof(MulticlassCatalogExtensions), "cnn" },
        { nameof(MulticlassCatalogExtensions.MixtureOfGaussians), typeof(MulticlassCatalogExtensions), "mixture" },
        { nameof(TransformsCatalogExtensions.GaussianMixture), typeof(TransformsCatalogExtensions), "mixture" },
    };

    /// <summary>Each optional parameter of a catalog method has the default of the record property of the same name.</summary>
    [Theory]
    [MemberData(nameof(CatalogMethods))]
    public void The_catalog_methods_default_to_the_records(string method, Type catalog, string kind)
    {
        var overload = catalog.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Single(m => m.Name == method && m.GetParameters().Skip(1).All(p => p.HasDefaultValue));
        object[] records = kind switch
        {
            "mlp" => new object[] { TrainingOptions.ForMlp, new MlpArchitecture() },
            "cnn" => new object[] { TrainingOptions.ForCnn, new CnnArchitecture() },
            _ => new object[] { new GaussianMixtureOptions() },
        };
        int compared = 0;
        foreach (var parameter in overload.GetParameters().Where(p => p.HasDefaultValue && !p.Name!.EndsWith("ColumnName", StringComparison.Ordinal)))
        {
            string property = char.ToUpperInvariant(parameter.Name![0]) + parameter.Name[1..];
            var owner = records.First(r => r.GetType().GetProperty(property) != null);
            Assert.Equal(owner.GetType().GetProperty(property)!.GetValue(owner), parameter.DefaultValue);
            compared++;
        }
        Assert.True(compared >= 3, $"{method}: only {compared} defaults compared");
    }
}
