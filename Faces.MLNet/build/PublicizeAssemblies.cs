// MSBuild inline task (compiled by RoslynCodeTaskFactory from Faces.MLNet.Publicize.targets; not part of the library).
// Writes copies of assemblies in which every type, method and field is public, for the compiler only: Faces.MLNet
// compiles against these copies and, at run time, loads the real ML.NET assemblies, with IgnoresAccessChecksTo
// telling the runtime to allow the access. Why: ML.NET's model saving (LoadableClass, ModelLoadContext, the
// trainer and prediction-transformer base constructors) is internal, and nothing else can save a learned component.
#nullable enable
using System;
using System.IO;
using System.Linq;
using Microsoft.Build.Framework;
using Mono.Cecil;

namespace Faces.MLNet.Build
{
    public class PublicizeAssemblies : Microsoft.Build.Utilities.Task
    {
        [Required] public ITaskItem[] Assemblies { get; set; } = Array.Empty<ITaskItem>();
        [Required] public string OutputDirectory { get; set; } = "";
        [Output] public ITaskItem[] Publicized { get; set; } = Array.Empty<ITaskItem>();
        /// <summary>Mono.Cecil.dll: resolved from here when the task runs again in a build node that compiled it for another project.</summary>
        public string CecilPath { get; set; } = "";

        public override bool Execute()
        {
            if (CecilPath.Length > 0)
                AppDomain.CurrentDomain.AssemblyResolve += (_, e) =>
                    new System.Reflection.AssemblyName(e.Name).Name == "Mono.Cecil" ? System.Reflection.Assembly.LoadFrom(CecilPath) : null;
            return Run();
        }

        // A separate method: the runtime resolves Mono.Cecil when it compiles the method that uses it, after the hook above.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private bool Run()
        {
            Directory.CreateDirectory(OutputDirectory);
            var outputs = new System.Collections.Generic.List<ITaskItem>();
            foreach (var item in Assemblies)
            {
                string source = item.GetMetadata("FullPath");
                string destination = Path.Combine(OutputDirectory, Path.GetFileName(source));
                if (!File.Exists(destination) || File.GetLastWriteTimeUtc(destination) < File.GetLastWriteTimeUtc(source))
                {
                    try
                    {
                        Publicize(source, destination);
                    }
                    catch (Exception e)
                    {
                        Log.LogError($"Faces: could not publicise {source}: {e.Message}");
                        return false;
                    }
                    Log.LogMessage(MessageImportance.Normal, $"Faces: publicised {source} -> {destination}");
                }
                var output = new Microsoft.Build.Utilities.TaskItem(destination);
                item.CopyMetadataTo(output);
                outputs.Add(output);
            }
            Publicized = outputs.ToArray();
            return true;
        }

        private static void Publicize(string source, string destination)
        {
            var resolver = new DefaultAssemblyResolver();
            resolver.AddSearchDirectory(Path.GetDirectoryName(source));
            string temporary = destination + ".tmp";
            using (var assembly = AssemblyDefinition.ReadAssembly(source, new ReaderParameters { AssemblyResolver = resolver }))
            {
                foreach (var type in assembly.MainModule.GetTypes())
                {
                    if (type.IsNested) type.IsNestedPublic = true;
                    else type.IsPublic = true;
                    foreach (var method in type.Methods) method.IsPublic = true;
                    // A field named like an event or property of its type would make references to those ambiguous.
                    var memberNames = new System.Collections.Generic.HashSet<string>(type.Events.Select(e => e.Name).Concat(type.Properties.Select(p => p.Name)));
                    foreach (var field in type.Fields)
                        if (!memberNames.Contains(field.Name)) field.IsPublic = true;
                }
                assembly.Write(temporary);
            }
            if (File.Exists(destination)) File.Delete(destination);
            File.Move(temporary, destination);
        }
    }
}
