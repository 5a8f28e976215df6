using Faces.Torch.Export;
using Google.Protobuf;
using Microsoft.ML.Data;
using Microsoft.ML.Model.OnnxConverter;
using Microsoft.ML.Runtime;

namespace Faces.MLNet.Onnx;

/// <summary>
/// A network alone as an ONNX model, in memory: input <see cref="Input"/> [N, inputs], output <see cref="Output"/>
/// [N, classes], the class probabilities (the converter may rename it: read the session's single output). Written by
/// <see cref="NetworkOnnxWriter"/>, the same operators as the network's part of an exported pipeline.
/// </summary>
internal static class NetworkOnnxModel
{
    public const string Input = "Features";
    public const string Output = "Probabilities";

    public static byte[] Build(IHostEnvironment env, InferenceGraph network, int inputs, int classes)
    {
        var context = new OnnxContextImpl(env, "faces-network", "Faces", "0", 0, "faces", OnnxVersion.Stable, OnnxGraph.MaximumOpSet);
        context.AddInputVariable(new VectorDataViewType(NumberDataViewType.Single, inputs), Input);
        var probabilities = NetworkOnnxWriter.Probabilities(new OnnxGraph(context, "network"), network, context.GetVariableName(Input));
        var output = context.AddIntermediateVariable(null, Output, true);
        context.CreateNode("Identity", new[] { probabilities }, new[] { output }, context.GetNodeName(Output), "");
        context.AddOutputVariable(new VectorDataViewType(NumberDataViewType.Single, classes), output);
        return context.MakeModel().ToByteArray();
    }
}
