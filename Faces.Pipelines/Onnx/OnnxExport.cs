using System.Security.Cryptography;
using Faces.Torch.IO;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;
using static Microsoft.ML.Model.OnnxConverter.OnnxCSharpToProtoWrapper;

namespace Faces.Pipelines.Onnx;

/// <summary>
/// A Faces pipeline as one ONNX graph, through ML.NET's own converter (<c>ConvertToOnnx</c>): the normaliser, the
/// classifier (Faces' components write themselves as ONNX operators) and <c>MapKeyToValue</c> keep ML.NET's names —
/// input <c>Features</c>, outputs <c>Score.output</c> and <c>PredictedLabel.output</c>. The graph keeps only what those outputs need
/// (<see cref="OnnxGraphPruning"/>) and carries metadata: class names, the input shape, the producer.
/// </summary>
public static class OnnxExport
{
    /// <summary>The opset written: the newest ML.NET's converter supports.</summary>
    public const int OpSet = 12;

    /// <summary>The outputs kept, in ML.NET's naming (the column name and ".output").</summary>
    public static IReadOnlyList<string> Outputs { get; } = new[] { "PredictedLabel.output", "Score.output" };

    /// <summary>Metadata key: class names in Score's order, comma-separated.</summary>
    public const string ClassNamesKey = "faces.class_names";

    /// <summary>Metadata key: one example's shape (channels,height,width for images; the vector length otherwise).</summary>
    public const string InputShapeKey = "faces.input_shape";

    /// <summary>
    /// The first step of <paramref name="model"/> that cannot be written as ONNX, named with the reason, or null when
    /// every step can. ML.NET's converter itself only warns and writes a graph without that step.
    /// </summary>
    public static string? Refusal(MLContext ml, ITransformer model, DataViewSchema inputSchema)
    {
        var context = NewContext(ml);
        IDataView view = new EmptyDataView(ml, inputSchema);
        foreach (var step in Recognition.ModelSteps.Of(model))
        {
            if (Unwritable(step) is { } reason) return reason;
            var before = view;
            view = step.Transform(view);
            for (var current = view; current != before; current = ((IDataTransform)current).Source)
            {
                if (current is not ITransformCanSaveOnnx onnx || !onnx.CanSaveOnnx(context))
                    return $"{Name(step)} cannot be written as ONNX";
            }
        }
        return null;
    }

    /// <summary>Faces' own components say why they cannot be exported.</summary>
    private static string? Unwritable(ITransformer step) => step switch
    {
        Faces.MLNet.Networks.NetworkPredictionTransformer { Model.OnnxRefusal: { } reason } => $"{Name(step)}: {reason}",
        ISingleFeaturePredictionTransformer<Faces.MLNet.Mixtures.MixtureOfGaussiansModelParameters> { Model.OnnxRefusal: { } reason } => $"{Name(step)}: {reason}",
        _ => null,
    };

    private static string Name(ITransformer step) => step.GetType().IsGenericType
        ? $"{step.GetType().Name.Split('`')[0]}<{string.Join(", ", step.GetType().GetGenericArguments().Select(a => a.Name))}>"
        : step.GetType().Name;

    /// <summary>
    /// The ONNX model of <paramref name="model"/> (fitted on <paramref name="inputSchema"/>), with PredictedLabel mapped
    /// back to the class names when its key has them. Throws <see cref="NotSupportedException"/> naming the first step
    /// that cannot be exported.
    /// </summary>
    public static byte[] Export(MLContext ml, ITransformer model, DataViewSchema inputSchema, IReadOnlyDictionary<string, string>? metadata = null)
    {
        // First what ONNX cannot express, named; then the classifier's outputs (MapKeyToValue, added here, always exports).
        if (Refusal(ml, model, inputSchema) is { } reason) throw new NotSupportedException(reason);
        var withNames = WithClassNames(ml, model, inputSchema, out var classNames);
        var proto = ml.Model.ConvertToOnnxProtobuf(withNames, new EmptyDataView(ml, inputSchema), OpSet);
        var missing = Outputs.Except(proto.Graph.Output.Select(o => o.Name)).ToArray();
        if (missing.Length > 0)
            throw new NotSupportedException($"The converted graph has no {string.Join(" and ", missing)} output (it has {string.Join(", ", proto.Graph.Output.Select(o => o.Name))}): the model is not a Faces classifier.");
        OnnxGraphPruning.KeepOnly(proto.Graph, Outputs.ToHashSet());
        var entries = new Dictionary<string, string>
        {
            [InputShapeKey] = InputShape(withNames, inputSchema),
            [ClassNamesKey] = string.Join(",", classNames),
        };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>()) entries[key] = value;
        foreach (var (key, value) in entries) proto.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        proto.ProducerName = "Faces (ML.NET converter)";
        return proto.ToByteArray();
    }

    /// <summary>
    /// Writes an exported model to <paramref name="path"/> (a temporary name, then renamed) and its SHA-256 beside it in
    /// <c>sha256sum</c>'s format (<paramref name="path"/>.sha256); returns the checksum.
    /// </summary>
    public static string Write(byte[] onnx, string path)
    {
        string checksum = Convert.ToHexStringLower(SHA256.HashData(onnx));
        AtomicFile.Write(path, (Stream file) => file.Write(onnx));
        AtomicFile.Write(path + ".sha256", (Stream file) => file.Write(System.Text.Encoding.UTF8.GetBytes($"{checksum}  {Path.GetFileName(path)}\n")));
        return checksum;
    }

    private static ITransformer WithClassNames(MLContext ml, ITransformer model, DataViewSchema inputSchema, out IReadOnlyList<string> classNames)
    {
        var output = model.GetOutputSchema(inputSchema);
        var score = output.GetColumnOrNull("Score") ?? throw new NotSupportedException("The model has no Score output: it is not a Faces classifier.");
        int classes = score.Type.GetVectorSize();
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        if (output.GetColumnOrNull("PredictedLabel") is { } predicted && predicted.HasKeyValues())
        {
            predicted.GetKeyValues(ref names);
            classNames = names.DenseValues().Select(n => n.ToString()).ToArray();
            return new TransformerChain<ITransformer>(Recognition.ModelSteps.Of(model).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(new EmptyDataView(ml, inputSchema)))).ToArray());
        }
        if (score.HasSlotNames())
        {
            score.Annotations.GetValue(AnnotationUtils.Kinds.SlotNames, ref names);
            classNames = names.DenseValues().Select(n => n.ToString()).ToArray();
        }
        else classNames = Enumerable.Range(0, classes).Select(i => $"class {i}").ToArray();
        return model;
    }

    private static string InputShape(ITransformer model, DataViewSchema inputSchema)
    {
        var network = Recognition.ModelSteps.Of(model).OfType<Faces.MLNet.Networks.NetworkPredictionTransformer>().FirstOrDefault()?.Model.Architecture;
        return network switch
        {
            Faces.Torch.Models.CnnArchitecture c => $"{c.Channels},{c.Height},{c.Width}",
            Faces.Torch.Models.ExpressionNetArchitecture e => $"{e.Channels},{e.Height},{e.Width}",
            _ => $"{inputSchema.GetColumnOrNull("Features")?.Type.GetVectorSize() ?? 0}",
        };
    }

    private static OnnxContextImpl NewContext(MLContext ml) =>
        new(ml, "faces", "Faces", "0", 0, "faces", OnnxVersion.Stable, OpSet);
}
