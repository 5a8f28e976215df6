using Faces.Torch.Native;

namespace Faces.Tests.Torch;

/// <summary>
/// The fixed mmap threshold that keeps training's RSS down is set by the <c>faces</c> tool when it starts, before any
/// tensor exists (glibc applies the threshold only when its heap has no free block to give, so setting it late in a
/// process that has trained already shows little; docs/real-faces.md measures the effect on a training run).
/// </summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void The_tool_fixes_the_threshold_when_it_starts_and_info_says_so()
    {
        string info = FacesCli.Succeed("info");
        Assert.Contains($"heap        blocks of {NativeHeap.MapThresholdBytes >> 20} MiB or more mapped on their own", info);
    }

    [Fact]
    public void The_setting_applies_on_glibc()
    {
        bool userSet = Environment.GetEnvironmentVariable(NativeHeap.ThresholdVariable) != null;
        Assert.Equal(!userSet, NativeHeap.ReturnLargeBlocksToTheSystem()); // the user's own setting stands
        Assert.Contains(userSet ? NativeHeap.ThresholdVariable : "mapped on their own", NativeHeap.Describe());
    }
}
