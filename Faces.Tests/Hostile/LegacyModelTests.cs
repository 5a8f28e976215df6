using System.Globalization;
using Faces.Pipelines.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Hostile;

/// <summary>Models saved before the checksummed format (0x00010001) still load and score as they did.</summary>
public sealed class LegacyModelTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "legacy", name);

    private static float[][] Csv(string name) => File.ReadAllLines(Data(name)).Where(l => l.Length > 0)
        .Select(l => l.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();

    private sealed class Row
    {
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private static IDataView Rows(MLContext ml, float[][] rows, string column)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnName = column;
        definition[column].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new Row { Features = r }), definition);
    }

    [Theory]
    [InlineData("legacy-mog")]
    [InlineData("legacy-mlp")]
    public void Old_classifiers_load_and_score_as_they_did(string name)
    {
        var ml = new MLContext(seed: 1);
        var model = ModelFiles.LoadClassifier(ml, Data(name + ".zip"), out _);
        var scores = model.Transform(Rows(ml, Csv("rows.csv"), "Features")).GetColumn<float[]>("Score").ToArray();
        var expected = Csv(name + ".scores");
        Assert.Equal(expected.Length, scores.Length);
        for (int n = 0; n < expected.Length; n++)
        for (int c = 0; c < expected[n].Length; c++)
            Assert.Equal(expected[n][c], scores[n][c], 6);
    }

    [Fact]
    public void Old_gaussian_mixture_transformers_load_and_give_the_same_log_likelihood()
    {
        var ml = new MLContext(seed: 1);
        var model = ModelFiles.Load(ml, Data("legacy-gmm.zip"), out _);
        var values = model.Transform(Rows(ml, Csv("legacy-gmm.rows"), "Pixels")).GetColumn<double>("LogLikelihood").ToArray();
        var expected = File.ReadAllLines(Data("legacy-gmm.scores")).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (int n = 0; n < expected.Length; n++) Assert.Equal(expected[n], values[n], 9);
    }
}
