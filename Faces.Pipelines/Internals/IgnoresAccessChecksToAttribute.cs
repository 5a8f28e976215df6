// As in Faces.MLNet: the runtime honours this attribute, letting this assembly use the ML.NET members it compiles
// against through publicised copies (Faces.MLNet/build/Faces.MLNet.Publicize.targets) — here, for saving the
// face-cropping transformer in the model .zip.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Data")]

namespace System.Runtime.CompilerServices;

[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
internal sealed class IgnoresAccessChecksToAttribute(string assemblyName) : Attribute
{
    public string AssemblyName { get; } = assemblyName;
}
