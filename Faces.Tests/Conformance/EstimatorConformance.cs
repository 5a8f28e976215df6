using System.Reflection;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Faces.Tests.Conformance;

/// <summary>
/// The checks ML.NET's own TestEstimatorCore makes of an estimator, for every Faces estimator: the output schema is
/// known before fitting and matches the fitted transformer's; an invalid input schema is refused with a message
/// naming the column; fit → save → load → transform gives the same values, here and in a fresh process.
/// </summary>
internal static class EstimatorConformance
{
    public sealed record Case(
        IEstimator<ITransformer> Estimator,
        IDataView Valid,
        IDataView Invalid,
        string InvalidColumn,
        string OutputColumn);

    /// <summary>ML.NET's SchemaShape.Create(schema), which it keeps internal.</summary>
    public static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.Invoke(null, new object[] { schema })!;

    /// <summary>Runs every check; returns how many rows were compared after save/load (here and in a fresh process).</summary>
    public static int Check(MLContext ml, Case c)
    {
        // Output schema before fitting.
        var shape = c.Estimator.GetOutputSchema(Shape(c.Valid.Schema));
        var promised = shape.FirstOrDefault(column => column.Name == c.OutputColumn);
        Assert.True(promised.Name == c.OutputColumn, $"{c.OutputColumn} is not in the output schema before fitting");

        // Invalid input schemas: refused before fitting and by Fit, naming the column.
        var beforeFit = Assert.ThrowsAny<Exception>(() => c.Estimator.GetOutputSchema(Shape(c.Invalid.Schema)));
        Assert.Contains(c.InvalidColumn, beforeFit.Message);
        var onFit = Assert.ThrowsAny<Exception>(() => c.Estimator.Fit(c.Invalid));
        Assert.Contains(c.InvalidColumn, onFit.Message);

        // The fitted transformer's schema is the one promised.
        var model = c.Estimator.Fit(c.Valid);
        var output = model.GetOutputSchema(c.Valid.Schema);
        foreach (var column in shape)
        {
            var actual = output.GetColumnOrNull(column.Name);
            Assert.True(actual != null, $"{column.Name} was promised but is not in the fitted output");
            var item = actual!.Value.Type is VectorDataViewType v ? v.ItemType : actual.Value.Type;
            Assert.Equal(column.IsKey, item is KeyDataViewType);
            Assert.Equal(column.ItemType.RawType, item.RawType);
            Assert.Equal(column.Kind == SchemaShape.Column.VectorKind.Scalar, actual.Value.Type is not VectorDataViewType);
        }
        Assert.Equal(promised.ItemType, (output[c.OutputColumn].Type as VectorDataViewType)!.ItemType);

        var expected = model.Transform(c.Valid).GetColumn<float[]>(c.OutputColumn).ToArray();

        // Save → load → transform, in this process.
        using var stream = new MemoryStream();
        ml.Model.Save(model, c.Valid.Schema, stream);
        stream.Position = 0;
        var loaded = ml.Model.Load(stream, out var loadedSchema);
        Assert.Equal(c.Valid.Schema.Select(s => s.Name), loadedSchema.Select(s => s.Name));
        var again = loaded.Transform(c.Valid).GetColumn<float[]>(c.OutputColumn).ToArray();
        Assert.Equal(expected.Length, again.Length);
        for (int n = 0; n < expected.Length; n++) Assert.Equal(expected[n], again[n]);

        // And in a fresh process: the faces executable loads the .zip with nothing registered by hand.
        string folder = Directory.CreateTempSubdirectory("faces-conformance-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            ml.Model.Save(model, c.Valid.Schema, path);
            var features = c.Valid.GetColumn<float[]>("Features").ToArray();
            string csv = Path.Combine(folder, "rows.csv");
            File.WriteAllLines(csv, features.Select(f => string.Join(",", f.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
            var lines = FacesCli.Succeed("score", "--model", path, "--csv", csv, "--column", c.OutputColumn)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(expected.Length, lines.Length);
            for (int n = 0; n < expected.Length; n++)
                Assert.Equal(expected[n], lines[n].Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray());
        }
        finally
        {
            Directory.Delete(folder, true);
        }
        return expected.Length;
    }
}
