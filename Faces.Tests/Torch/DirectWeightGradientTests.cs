using Faces.Torch.Convolution;
using Faces.Torch.Native;
using static TorchSharp.torch;

namespace Faces.Tests.Torch;

public sealed class DirectWeightGradientTests
{
    public DirectWeightGradientTests() => TorchRuntime.EnsureInitialized();

    // dtype, N, C, K, output height, output width. Widths: one vector exactly (4 doubles, 8 floats), a masked last
    // vector (7, 9, 28: Fashion-MNIST), several vectors (12, 48); K odd (3) and C > 1.
    public static TheoryData<ScalarType, int, int, int, int, int> Shapes => new()
    {
        { ScalarType.Float64, 3, 1, 2, 5, 4 },
        { ScalarType.Float64, 2, 1, 3, 6, 7 },
        { ScalarType.Float64, 2, 3, 4, 4, 12 },
        { ScalarType.Float32, 5, 1, 8, 8, 8 },
        { ScalarType.Float32, 3, 1, 8, 9, 9 },
        { ScalarType.Float32, 4, 1, 8, 28, 28 },
        { ScalarType.Float32, 2, 8, 16, 9, 9 },
        { ScalarType.Float32, 2, 1, 3, 48, 48 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Direct_weight_gradient_equals_libtorchs_convolution(ScalarType dtype, int n, int c, int k, int height, int width)
    {
        random.manual_seed(13);
        using var padded = randn(n, c, height + 4, width + 4, dtype: dtype);
        using var grad = randn(n, k, height, width, dtype: dtype);
        long[] shape = { k, c, 5, 5 };
        Assert.True(ExplicitConvolutionFunction.DirectSimdApplies(padded, grad, shape), "the C# loops did not take this shape");

        using var direct = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, WeightGradientMethod.DirectSimd);
        using var reference = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, WeightGradientMethod.SwappedAxesConvolution);

        Assert.Equal(shape, direct.shape);
        double scale = reference.abs().max().to_type(ScalarType.Float64).item<double>() is var m and > 0 ? m : 1;
        double difference = (direct - reference).abs().max().to_type(ScalarType.Float64).item<double>();
        double tolerance = dtype == ScalarType.Float64 ? 1e-12 : 2e-6;
        Assert.True(difference <= tolerance * scale, $"differs by {difference} (largest {scale})");
    }

    [Fact]
    public void Auto_takes_the_direct_loops_for_one_input_channel_and_falls_back_elsewhere()
    {
        random.manual_seed(2);
        using var padded = randn(2, 1, 10, 10);
        using var grad = randn(2, 4, 6, 6); // width 6 < 8 floats: the loops do not apply
        long[] shape = { 4, 1, 5, 5 };
        Assert.False(ExplicitConvolutionFunction.DirectSimdApplies(padded, grad, shape));
        using var fallback = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, WeightGradientMethod.DirectSimd);
        using var reference = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, WeightGradientMethod.GroupedConvolution);
        Assert.True((fallback - reference).abs().max().item<float>() < 1e-4);

        using var threeByThree = randn(2, 4, 8, 8); // 3x3 filters: the loops are written for 5x5
        Assert.False(ExplicitConvolutionFunction.DirectSimdApplies(padded, threeByThree, new long[] { 4, 1, 3, 3 }));
    }

    [Fact]
    public void Direct_weight_gradient_gives_the_same_bits_every_time()
    {
        random.manual_seed(4);
        using var padded = randn(17, 1, 32, 32);
        using var grad = randn(17, 8, 28, 28);
        long[] shape = { 8, 1, 5, 5 };
        using var first = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, WeightGradientMethod.DirectSimd);
        for (int i = 0; i < 3; i++)
        {
            using var again = ExplicitConvolutionFunction.WeightGradient(padded, grad, shape, WeightGradientMethod.DirectSimd);
            Assert.True(first.eq(again).all().item<bool>());
        }
    }
}
