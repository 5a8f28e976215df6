using Microsoft.ML.Model.OnnxConverter;

namespace Faces.MLNet.Onnx;

/// <summary>
/// Writes ONNX operators into ML.NET's <see cref="OnnxContext"/> one call per node: each call names its output
/// after the component (<c>prefix</c>) and returns it, so a graph reads like the computation it exports.
/// Only standard ONNX operators (the default domain), opsets <see cref="MinimumOpSet"/> to 12.
/// </summary>
internal sealed class OnnxGraph(OnnxContext context, string prefix)
{
    /// <summary>
    /// The oldest opset with every operator and attribute written here (Slice's steps came in 10); the newest is ML.NET's
    /// own limit, 12 (after it ReduceSum takes its axes as an input, not the attribute written here).
    /// </summary>
    public const int MinimumOpSet = 10;

    /// <summary>The newest opset these operators are written for.</summary>
    public const int MaximumOpSet = 12;

    /// <summary>Appends an operator with one output and returns the output's name.</summary>
    public string Node(string op, IEnumerable<string> inputs, Action<OnnxNode>? attributes = null)
    {
        var output = context.AddIntermediateVariable(null, $"{prefix}.{op}", true);
        Write(op, inputs, output, attributes);
        return output;
    }

    /// <summary>Appends an operator with <paramref name="count"/> outputs and returns their names.</summary>
    public string[] Nodes(string op, IEnumerable<string> inputs, int count, Action<OnnxNode>? attributes = null)
    {
        var outputs = Enumerable.Range(0, count).Select(_ => context.AddIntermediateVariable(null, $"{prefix}.{op}", true)).ToArray();
        var node = context.CreateNode(op, inputs, outputs, context.GetNodeName($"{prefix}.{op}"), "");
        attributes?.Invoke(node);
        return outputs;
    }

    /// <summary>Appends an operator writing into an output the caller named (a column's variable).</summary>
    public void Write(string op, IEnumerable<string> inputs, string output, Action<OnnxNode>? attributes = null)
    {
        var node = context.CreateNode(op, inputs, new[] { output }, context.GetNodeName($"{prefix}.{op}"), "");
        attributes?.Invoke(node);
    }

    public string Floats(float[] values, long[] shape, string name) => context.AddInitializer(values, shape, $"{prefix}.{name}");

    public string Doubles(double[] values, long[] shape, string name) => context.AddInitializer(values, shape, $"{prefix}.{name}");

    public string Longs(long[] values, string name) => context.AddInitializer(values, new long[] { values.Length }, $"{prefix}.{name}");

    public string Scalar(float value, string name) => context.AddInitializer(value, $"{prefix}.{name}");

    public string Scalar(double value, string name) => context.AddInitializer(value, $"{prefix}.{name}");

    public string Scalar(long value, string name) => context.AddInitializer(value, $"{prefix}.{name}");
}
