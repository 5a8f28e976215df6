using static Microsoft.ML.Model.OnnxConverter.OnnxCSharpToProtoWrapper;

namespace Faces.Pipelines.Onnx;

/// <summary>
/// Keeps only what the named outputs depend on. ML.NET's converter declares every input column as a graph input and
/// converts every step, so a Faces model's graph would also ask for a Label and compute its key; scoring needs
/// neither, and a caller of ONNX Runtime must feed every declared input.
/// </summary>
internal static class OnnxGraphPruning
{
    public static void KeepOnly(GraphProto graph, IReadOnlyCollection<string> outputs)
    {
        var kept = graph.Output.Where(o => outputs.Contains(o.Name)).ToList();
        var needed = new HashSet<string>(kept.Select(o => o.Name));
        var nodes = new List<NodeProto>();
        // ML.NET writes nodes in execution order: walking them backwards sees every consumer before its producers.
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains)) continue;
            nodes.Add(node);
            foreach (var input in node.Input) needed.Add(input);
        }
        nodes.Reverse();
        Replace(graph.Node, nodes);
        Replace(graph.Output, kept);
        Replace(graph.Input, graph.Input.Where(i => needed.Contains(i.Name)).ToList());
        Replace(graph.Initializer, graph.Initializer.Where(i => needed.Contains(i.Name)).ToList());
        Replace(graph.ValueInfo, graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToList());
    }

    private static void Replace<T>(Google.Protobuf.Collections.RepeatedField<T> field, List<T> items)
    {
        field.Clear();
        field.AddRange(items);
    }
}
