using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Faces.Pipelines.Onnx;

/// <summary>
/// Scores the same rows through a Faces model (its networks in libtorch) and through its exported graph in ONNX Runtime
/// (all graph optimisations on) and reports the largest difference of a probability: what <c>faces export</c> prints
/// after writing a file.
/// </summary>
public static class OnnxCheck
{
    /// <summary>The largest |Faces − ONNX Runtime| over every probability of <paramref name="rows"/>, and whether the predicted classes agree.</summary>
    public static (double MaxDifference, bool SameClasses) Compare(MLContext ml, ITransformer model, DataViewSchema inputSchema, byte[] onnx, float[][] rows)
    {
        var features = inputSchema["Features"];
        var view = Data.FeatureRow.Load(ml, rows, features.Type.GetVectorSize());
        var expected = WithLibtorch(model, () => model.Transform(WithInputColumns(ml, view, inputSchema)).GetColumn<float[]>("Score").ToArray());

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(onnx, options);
        var input = new DenseTensor<float>(rows.SelectMany(r => r).ToArray(), new[] { rows.Length, rows[0].Length });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", input) });
        var scores = results.Single(r => r.Name == "Score.output").AsTensor<float>();
        double worst = 0;
        bool same = true;
        for (int n = 0; n < rows.Length; n++)
        {
            int facesBest = 0, onnxBest = 0;
            for (int c = 0; c < expected[n].Length; c++)
            {
                worst = Math.Max(worst, Math.Abs(expected[n][c] - scores[n, c]));
                if (expected[n][c] > expected[n][facesBest]) facesBest = c;
                if (scores[n, c] > scores[n, onnxBest]) onnxBest = c;
            }
            same &= facesBest == onnxBest;
        }
        return (worst, same);
    }

    /// <summary>
    /// Runs <paramref name="score"/> with the model's networks scored by libtorch, the engine they were trained in: a
    /// network that ONNX Runtime scores by default would otherwise be checked against ONNX Runtime itself.
    /// </summary>
    private static T WithLibtorch<T>(ITransformer model, Func<T> score)
    {
        var networks = Recognition.ModelSteps.Networks(model);
        var engines = networks.Select(n => n.Engine).ToArray();
        try
        {
            foreach (var network in networks) network.Engine = Faces.MLNet.Networks.ScoringEngine.Libtorch;
            return score();
        }
        finally
        {
            for (int i = 0; i < networks.Count; i++) networks[i].Engine = engines[i];
        }
    }

    /// <summary>
    /// The model's other input columns (a Label, say) filled with defaults: a Faces model is fitted on a schema that
    /// may carry them, while scoring reads only Features.
    /// </summary>
    private static IDataView WithInputColumns(MLContext ml, IDataView features, DataViewSchema inputSchema)
    {
        var others = inputSchema.Where(c => c.Name != "Features" && !c.IsHidden).ToArray();
        if (others.Length == 0) return features;
        var rows = features.GetRowCount() ?? features.GetColumn<float[]>("Features").LongCount();
        var builder = new ArrayDataViewBuilder(ml);
        builder.AddColumn("Features", NumberDataViewType.Single, features.GetColumn<float[]>("Features").ToArray());
        foreach (var column in others)
        {
            if (column.Type is KeyDataViewType key)
                builder.AddColumn(column.Name, GetKeyValues(column), key.Count, new uint[rows]);
            else if (column.Type is TextDataViewType)
                builder.AddColumn(column.Name, Enumerable.Repeat("", (int)rows).ToArray());
            else throw new NotSupportedException($"The model's input column {column.Name} ({column.Type}) cannot be filled for a check.");
        }
        return builder.GetDataView();
    }

    private static ValueGetter<VBuffer<ReadOnlyMemory<char>>> GetKeyValues(DataViewSchema.Column column) =>
        (ref VBuffer<ReadOnlyMemory<char>> values) =>
        {
            if (column.HasKeyValues()) column.GetKeyValues(ref values);
            else values = new VBuffer<ReadOnlyMemory<char>>((int)column.Type.GetKeyCount(), Enumerable.Range(0, (int)column.Type.GetKeyCount()).Select(i => $"{i}".AsMemory()).ToArray());
        };
}
