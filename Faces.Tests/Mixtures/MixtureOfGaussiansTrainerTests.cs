using System.Globalization;
using System.Reflection;
using Faces.MLNet;
using Faces.MLNet.Mixtures;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Mixtures;

public sealed class MixtureOfGaussiansTrainerTests
{
    private const int Width = 6;

    private sealed class Example
    {
        public string Label { get; set; } = "";
        [VectorType(Width)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>Three classes ("anger", "happy", "sad") around different centres, each a blend of two blobs.</summary>
    private static List<Example> Examples(int perClass, int seed)
    {
        var random = new Random(seed);
        string[] names = { "anger", "happy", "sad" };
        var list = new List<Example>();
        for (int n = 0; n < perClass * names.Length; n++)
        {
            int c = n % names.Length;
            int blob = random.Next(2);
            list.Add(new Example
            {
                Label = names[c],
                Features = Enumerable.Range(0, Width).Select(d => (float)((d % 3 == c ? 2.5 : 0) + (blob == 1 && d == 5 ? 1.5 : 0) + random.NextDouble() - 0.5 + 0.6 * (random.NextDouble() - 0.5))).ToArray(),
            });
        }
        return list;
    }

    private static (MLContext Ml, IDataView Train, IDataView Test) Data()
    {
        var ml = new MLContext(seed: 1);
        return (ml, ml.Data.LoadFromEnumerable(Examples(60, 1)), ml.Data.LoadFromEnumerable(Examples(30, 2)));
    }

    [Fact]
    public void Pipeline_fits_and_Evaluate_reports_Model_Builder_metrics()
    {
        var (ml, train, test) = Data();
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(components: 2))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        var model = pipeline.Fit(train);
        var scored = model.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);

        Assert.True(metrics.MicroAccuracy > 0.9, $"micro accuracy {metrics.MicroAccuracy}");
        Assert.True(metrics.MacroAccuracy > 0.9);
        Assert.True(metrics.LogLoss < 0.5);
        Assert.Equal(3, metrics.ConfusionMatrix.NumberOfClasses);
        Assert.All(scored.GetColumn<float[]>("Score"), s => Assert.Equal(1.0, s.Sum(), 4));
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["Score"].GetSlotNames(ref slotNames);
        Assert.Equal(new[] { "anger", "happy", "sad" }, slotNames.DenseValues().Select(s => s.ToString()));
        Assert.Equal(new[] { "anger", "happy", "sad" }, scored.GetColumn<string>("PredictedLabel").Take(3));

        var parameters = ((ISingleFeaturePredictionTransformer<MixtureOfGaussiansModelParameters>)model.ElementAt(1)).Model;
        Assert.Equal(3, parameters.Mixtures.Count);
        Assert.Equal(2, parameters.Mixtures[0]!.Components);
        Assert.Equal(Width, parameters.Mixtures[0]!.Means[0].Length);
        Assert.Equal(1.0, parameters.ClassPriors.Sum(), 9);
    }

    [Fact]
    public void Scores_weigh_each_class_density_by_its_prior()
    {
        // Two classes drawn from the same distribution, 9 to 1: only the prior tells them apart.
        var ml = new MLContext(seed: 1);
        var rows = Examples(200, 5).Select((e, n) => new Example { Label = n % 10 == 0 ? "rare" : "common", Features = e.Features }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options { Mixture = new() { Components = 1 } }))
            .Fit(data);
        var parameters = ((ISingleFeaturePredictionTransformer<MixtureOfGaussiansModelParameters>)model.ElementAt(1)).Model;
        var keyNames = model.Transform(data).GetColumn<uint>("Label").Zip(rows, (k, r) => (k, r.Label)).Distinct().OrderBy(p => p.k).Select(p => p.Label).ToArray();
        int rare = Array.IndexOf(keyNames, "rare");
        Assert.Equal(0.1, parameters.ClassPriors[rare], 12);

        var scores = model.Transform(data).GetColumn<float[]>("Score").ToArray();
        for (int n = 0; n < 20; n++)
        {
            var joint = parameters.Mixtures.Select((m, c) => m!.LogDensity(new[] { rows[n].Features })[0] + Math.Log(parameters.ClassPriors[c])).ToArray();
            double max = joint.Max(), norm = max + Math.Log(joint.Sum(j => Math.Exp(j - max)));
            for (int c = 0; c < 2; c++) Assert.Equal(Math.Exp(joint[c] - norm), scores[n][c], 5);
        }
        Assert.True(scores.Average(s => s[rare]) < 0.3, "the rare class's prior of 0.1 must pull its scores down");
    }

    [Fact]
    public void Output_schema_is_known_before_fitting_and_errors_name_the_column()
    {
        var (ml, train, _) = Data();
        var trainer = ml.MulticlassClassification.Trainers.MixtureOfGaussians();
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").GetOutputSchema(Shape(train.Schema));

        var output = trainer.GetOutputSchema(keyed);
        Assert.Contains(output, c => c.Name == "Score" && c.Kind == SchemaShape.Column.VectorKind.Vector);
        Assert.Contains(output, c => c.Name == "PredictedLabel" && c.IsKey);

        var notKey = Assert.ThrowsAny<Exception>(() => trainer.GetOutputSchema(Shape(train.Schema)));
        Assert.Contains("Label", notKey.Message);
        var missing = Assert.ThrowsAny<Exception>(() => ml.MulticlassClassification.Trainers.MixtureOfGaussians(featureColumnName: "Pixels").GetOutputSchema(keyed));
        Assert.Contains("Pixels", missing.Message);

        var variable = ml.Data.LoadFromEnumerable(new[] { new { Label = 1u, Features = new float[] { 1, 2 } } }.Select(r => new VariableRow { Features = r.Features }));
        var shape = ml.Transforms.Conversion.MapValueToKey("Label").GetOutputSchema(Shape(variable.Schema));
        var variableError = Assert.ThrowsAny<Exception>(() => trainer.GetOutputSchema(shape));
        Assert.Contains("Features", variableError.Message);
    }

    /// <summary>SchemaShape.Create is internal to ML.NET; a user gets a shape from an estimator chain the same way.</summary>
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.Invoke(null, new object[] { schema })!;

    private sealed class VariableRow
    {
        public string Label { get; set; } = "a";
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void A_single_class_is_a_clear_error_and_a_small_class_gets_fewer_components()
    {
        var ml = new MLContext(seed: 1);
        var one = ml.Data.LoadFromEnumerable(Examples(20, 3).Where(e => e.Label == "happy"));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(components: 2));
        var error = Assert.ThrowsAny<Exception>(() => pipeline.Fit(one));
        Assert.Contains("at least two classes", error.Message);

        var lopsided = Examples(20, 4).Where(e => e.Label != "sad").Concat(Examples(3, 5).Where(e => e.Label == "sad").Take(2)).ToList();
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(components: 5)).Fit(ml.Data.LoadFromEnumerable(lopsided));
        var parameters = model.LastTransformer.Model;
        Assert.Equal(new[] { 5, 5, 2 }, parameters.Mixtures.Select(m => m!.Components));
    }

    [Fact]
    public void Nan_features_are_a_clear_error_naming_the_row()
    {
        var ml = new MLContext(seed: 1);
        var rows = Examples(10, 6);
        rows[4].Features[2] = float.NaN;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.MixtureOfGaussians(components: 1));
        var error = Assert.ThrowsAny<Exception>(() => pipeline.Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("Row 4", error.Message);
    }

    [Fact]
    public void Saved_model_loads_in_this_process_and_in_a_fresh_one_with_identical_scores()
    {
        var (ml, train, test) = Data();
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train).Transform(train);
        var model = ml.MulticlassClassification.Trainers.MixtureOfGaussians(new MixtureOfGaussiansTrainer.Options
        {
            Mixture = new() { Components = 2, CovarianceType = CovarianceType.Full, Initialization = MixtureInitialization.KMeans },
        }).Fit(keyed);
        string folder = Directory.CreateTempSubdirectory("faces-mog-").FullName;
        try
        {
            string path = Path.Combine(folder, "mog.zip");
            ml.Model.Save(model, keyed.Schema, path);
            var testRows = Examples(30, 2).Take(12).ToList();
            var testView = ml.Data.LoadFromEnumerable(testRows.Select(r => new FeaturesOnly { Features = r.Features }));
            var expected = model.Transform(testView).GetColumn<float[]>("Score").ToList();

            var loaded = ml.Model.Load(path, out _);
            var inProcess = loaded.Transform(testView).GetColumn<float[]>("Score").ToList();
            Assert.Equal(expected, inProcess);
            var engine = ml.Model.CreatePredictionEngine<FeaturesOnly, ScoreOnly>(loaded);
            Assert.Equal(expected[0], engine.Predict(new FeaturesOnly { Features = testRows[0].Features }).Score);
            var reloadedParameters = ((ISingleFeaturePredictionTransformer<MixtureOfGaussiansModelParameters>)loaded).Model;
            Assert.Equal(model.Model.Mixtures[1]!.Means, reloadedParameters.Mixtures[1]!.Means);

            string csv = Path.Combine(folder, "rows.csv");
            File.WriteAllLines(csv, testRows.Select(r => string.Join(",", r.Features.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))));
            var fresh = RunFaces("score", "--model", path, "--csv", csv);
            var freshScores = fresh.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
            Assert.Equal(expected, freshScores);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    private sealed class FeaturesOnly
    {
        [VectorType(Width)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class ScoreOnly
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    [Fact]
    public void The_ML_NET_internals_Faces_relies_on_are_still_there()
    {
        // Fails loudly if an ML.NET upgrade moves or renames what the publicised build step compiles against.
        var core = typeof(Microsoft.ML.Runtime.IHostEnvironment).Assembly;
        var data = typeof(MulticlassPredictionTransformer<>).Assembly;
        Assert.NotNull(core.GetType("Microsoft.ML.LoadableClassAttribute"));
        Assert.NotNull(core.GetType("Microsoft.ML.ModelLoadContext"));
        Assert.NotNull(core.GetType("Microsoft.ML.VersionInfo"));
        Assert.NotNull(data.GetType("Microsoft.ML.Trainers.ModelParametersBase`1"));
        Assert.Equal("5.0.1", data.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0]);
    }

    internal static string RunFaces(params string[] arguments) => FacesCli.Succeed(arguments);
}
