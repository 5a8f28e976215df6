using Faces.Torch;
using Faces.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Faces.Tests.Foundation;

public sealed class TorchSharpSmokeTests
{
    [Fact]
    public void TorchSharp_initialises_and_reports_a_version()
    {
        TorchRuntime.EnsureInitialized();
        Assert.Matches(@"^\d+\.\d+", TorchEnvironment.LibTorchVersion);
        Assert.True(TorchEnvironment.Threads >= 1);
    }

    [Fact]
    public void Conv2d_forward_and_backward_match_values_computed_by_hand()
    {
        TorchRuntime.EnsureInitialized();
        // x is 3x3, the filter 2x2, no padding: y[i,j] = sum_ab x[i+a,j+b] f[a,b] + b.
        using var x = tensor(new double[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, new long[] { 1, 1, 3, 3 }, requires_grad: true);
        using var f = tensor(new double[] { 1, 0, -1, 2 }, new long[] { 1, 1, 2, 2 }, requires_grad: true);
        using var b = tensor(new double[] { 0.5 }, requires_grad: true);

        using var y = nn.functional.conv2d(x, f, b);
        // y00 = 1*1 + 2*0 + 4*-1 + 5*2 + .5 = 7.5; y01 = 2 - 5 + 12 + .5 = 9.5; y10 = 4 - 7 + 16 + .5 = 13.5; y11 = 5 - 8 + 18 + .5 = 15.5
        Assert.Equal(new[] { 7.5, 9.5, 13.5, 15.5 }, y.data<double>().ToArray());

        y.sum().backward();
        // dE/db = number of outputs; dE/df[a,b] = sum of the 2x2 window of x at offset (a,b).
        Assert.Equal(4.0, b.grad!.item<double>());
        Assert.Equal(new[] { 12.0, 16, 24, 28 }, f.grad!.data<double>().ToArray());
        // dE/dx[i,j] = sum of the filter taps that touch (i,j).
        Assert.Equal(new[] { 1.0, 1, 0, 0, 2, 2, -1, 1, 2 }, x.grad!.data<double>().ToArray());
    }
}
