// The runtime honours this attribute (it is not in the base class library, so assemblies declare it themselves):
// it lets the assembly use the ML.NET members that it compiles against through publicised copies
// (build/Faces.MLNet.Publicize.targets). Faces.MLNet compiles this file, and so does Faces.Pipelines (linked), for its
// face-cropping transformer.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.OnnxConverter")]

namespace System.Runtime.CompilerServices;

[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
{
    public string AssemblyName { get; } = assemblyName;
}
