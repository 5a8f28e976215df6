using Faces.Torch.Convolution;
using Faces.Torch.Native;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Tests.Torch;

public sealed class ExplicitConvolutionTests
{
    public ExplicitConvolutionTests() => TorchRuntime.EnsureInitialized();

    // N, C, K, H, W, filter, padding ('same' = -1)
    public static TheoryData<int, int, int, int, int, int, int> Shapes => new()
    {
        { 2, 1, 3, 7, 7, 3, 0 },
        { 2, 1, 3, 7, 7, 3, -1 },
        { 3, 2, 4, 8, 6, 5, -1 },
        { 1, 3, 2, 6, 9, 2, 0 },
        { 2, 2, 3, 6, 6, 4, -1 },
        { 2, 3, 1, 5, 5, 5, 0 },
        { 1, 2, 2, 4, 4, 3, 3 }, // padding larger than filter − 1: the input gradient needs a crop
    };

    private static ConvolutionPadding PaddingFor(int filter, int padding) =>
        padding < 0 ? ConvolutionPadding.Same(filter, filter) : ConvolutionPadding.Uniform(padding);

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Explicit_backward_equals_TorchSharp_autograd(int n, int c, int k, int h, int w, int filter, int padding)
    {
        var (x, f, b) = RandomProblem(7, n, c, k, h, w, filter);
        using var _x = x; using var _f = f; using var _b = b;
        var pad = PaddingFor(filter, padding);

        foreach (var method in Enum.GetValues<WeightGradientMethod>())
        {
            using var xa = x.detach().clone().requires_grad_(true);
            using var fa = f.detach().clone().requires_grad_(true);
            using var ba = b.detach().clone().requires_grad_(true);
            using var xb = x.detach().clone().requires_grad_(true);
            using var fb = f.detach().clone().requires_grad_(true);
            using var bb = b.detach().clone().requires_grad_(true);

            using var explicitY = ExplicitConvolutionFunction.Apply(xa, fa, ba, pad, method);
            using var nativeY = F.conv2d(F.pad(xb, new long[] { pad.Left, pad.Right, pad.Top, pad.Bottom }), fb, bb);
            random.manual_seed(11);
            using var upstream = randn_like(nativeY);
            (explicitY * upstream).sum().backward();
            (nativeY * upstream).sum().backward();

            Assert.True(MaxAbsDiff(explicitY, nativeY) < 1e-10, $"forward, {method}");
            Assert.True(MaxAbsDiff(xa.grad!, xb.grad!) < 1e-10, $"dE/dx, {method}: {MaxAbsDiff(xa.grad!, xb.grad!)}");
            Assert.True(MaxAbsDiff(fa.grad!, fb.grad!) < 1e-10, $"dE/df, {method}: {MaxAbsDiff(fa.grad!, fb.grad!)}");
            Assert.True(MaxAbsDiff(ba.grad!, bb.grad!) < 1e-10, $"dE/db, {method}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Explicit_backward_equals_finite_differences(int n, int c, int k, int h, int w, int filter, int padding)
    {
        var (x, f, b) = RandomProblem(3, n, c, k, h, w, filter);
        using var _x = x; using var _f = f; using var _b = b;
        var pad = PaddingFor(filter, padding);
        using var probe = ExplicitConvolutionFunction.Apply(x.detach(), f.detach(), b.detach(), pad);
        using var upstream = randn_like(probe);

        double error = GradientChecker.MaxRelativeError(
            () => (ExplicitConvolutionFunction.Apply(x, f, b, pad) * upstream).sum(), new[] { x, f, b }, samplesPerInput: 12, seed: 5);

        Assert.True(error < 1e-6, $"relative error {error}");
    }

    [Fact]
    public void The_checker_catches_a_backward_that_forgets_to_rotate_the_filters()
    {
        random.manual_seed(3);
        using var x = randn(2, 2, 6, 6, dtype: ScalarType.Float64, requires_grad: true);
        using var f = randn(3, 2, 3, 3, dtype: ScalarType.Float64, requires_grad: true);
        using var b = randn(3, dtype: ScalarType.Float64, requires_grad: true);
        var pad = ConvolutionPadding.Same(3, 3);
        using var upstream = randn(2, 3, 6, 6, dtype: ScalarType.Float64);

        double wrong = GradientChecker.MaxRelativeError(
            () => (UnrotatedConvolution.apply(x, f, b, pad) * upstream).sum(), new[] { x, f, b }, samplesPerInput: 12, seed: 5);
        double right = GradientChecker.MaxRelativeError(
            () => (ExplicitConvolutionFunction.Apply(x, f, b, pad) * upstream).sum(), new[] { x, f, b }, samplesPerInput: 12, seed: 5);

        Assert.True(wrong > 1e-2, $"the wrong backward passed the check (error {wrong})");
        Assert.True(right < 1e-6);
    }

    [Fact]
    public void First_layer_input_gets_no_gradient_and_filters_still_do()
    {
        using var x = randn(2, 1, 6, 6);
        using var f = randn(2, 1, 3, 3, requires_grad: true);
        using var b = zeros(new long[] { 2 }, requires_grad: true);
        using var y = ExplicitConvolutionFunction.Apply(x, f, b, ConvolutionPadding.Same(3, 3));
        y.sum().backward();
        Assert.Null(x.grad);
        Assert.NotNull(f.grad);
    }

    [Fact]
    public void Bad_shapes_are_rejected_in_forward_with_a_clear_message()
    {
        using var x = randn(2, 3, 6, 6);
        using var f = randn(2, 1, 3, 3, requires_grad: true);
        using var b = zeros(2);
        var error = Assert.Throws<ArgumentException>(() => ExplicitConvolutionFunction.Apply(x, f, b, ConvolutionPadding.Valid));
        Assert.Contains("3 channels", error.Message);
    }

    /// <summary>Float64 input [N,C,H,W], filters [K,C,f,f] and bias [K], all requiring gradients, from a seed.</summary>
    private static (Tensor X, Tensor F, Tensor B) RandomProblem(int seed, int n, int c, int k, int h, int w, int filter)
    {
        random.manual_seed(seed);
        return (randn(n, c, h, w, dtype: ScalarType.Float64, requires_grad: true),
            randn(k, c, filter, filter, dtype: ScalarType.Float64, requires_grad: true),
            randn(k, dtype: ScalarType.Float64, requires_grad: true));
    }

    private static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<double>();
    }

    /// <summary>A deliberately wrong backward: dE/dx convolves with the filters unrotated.</summary>
    private sealed class UnrotatedConvolution : autograd.SingleTensorFunction<UnrotatedConvolution>
    {
        public override string Name => "WrongConv";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_for_backward(new List<Tensor> { (Tensor)vars[0], (Tensor)vars[1] });
            ctx.save_data("padding", vars[3]);
            using var _ = no_grad();
            var pad = (ConvolutionPadding)vars[3];
            return F.conv2d((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], padding: new long[] { pad.Top, pad.Left });
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
        {
            var saved = ctx.get_saved_variables();
            var pad = (ConvolutionPadding)ctx.get_data("padding");
            long kh = saved[1].shape[2];
            using var padded = F.pad(saved[0], pad.ForPad);
            var dw = ExplicitConvolutionFunction.WeightGradient(padded, grad, saved[1].shape, WeightGradientMethod.SwappedAxesConvolution);
            var dx = F.conv2d(grad, saved[1].transpose(0, 1), padding: new long[] { kh - 1 - pad.Top, kh - 1 - pad.Left });
            return new List<Tensor> { dx, dw, grad.sum(new long[] { 0, 2, 3 }), null!, null! };
        }
    }
}
