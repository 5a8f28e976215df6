namespace Faces.Tests.Concurrency;

/// <summary>
/// Tests that force garbage collections in a loop run alone: TorchSharp passes an implicit Scalar's native handle
/// to libtorch without keeping the Scalar alive, so a collection can finalize it during the call — in any other
/// test's training running beside them. Alone, they provoke that only in the code they test. Tests that compare two
/// trainings bit for bit run alone too: libtorch's thread count, which a training sets, is process-wide.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    public const string Name = "Runs alone";
}
