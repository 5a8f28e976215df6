using Faces.Torch.Native;
using Faces.Torch.Pooling;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Faces.Tests.Torch;

public sealed class ReluMaxPoolTests
{
    public ReluMaxPoolTests() => TorchRuntime.EnsureInitialized();

    // dtype, channels, height, width, k. float32 runs by rows where a row has ≥ 8 windows (28/3, 16/2, 35/4, 70/8,
    // 48/3), by gathers where only the plane has ≥ 8 (9/2, 12x6/3), else in scalar code (7/3, k = 1); float64 always
    // in scalar code. Sizes that are not multiples of k drop their remainder.
    public static TheoryData<ScalarType, int, int, int, int> Shapes => new()
    {
        { ScalarType.Float32, 8, 28, 28, 3 },
        { ScalarType.Float32, 16, 16, 16, 2 },
        { ScalarType.Float32, 3, 35, 35, 4 },
        { ScalarType.Float32, 2, 16, 70, 8 },
        { ScalarType.Float32, 4, 48, 51, 3 },
        { ScalarType.Float32, 16, 9, 9, 2 },
        { ScalarType.Float32, 2, 12, 6, 3 },
        { ScalarType.Float32, 3, 7, 7, 3 },
        { ScalarType.Float32, 2, 5, 4, 1 },
        { ScalarType.Float64, 8, 28, 28, 3 },
        { ScalarType.Float64, 16, 9, 9, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Values_and_gradients_equal_relu_then_max_pool2d_exactly(ScalarType dtype, int channels, int height, int width, int k)
    {
        // Values on a coarse grid, one band of equal positive values and one of zeros: ties everywhere.
        using var values = (randn(new long[] { 3, channels, height, width }, dtype: dtype, generator: new TorchSharp.torch.Generator(5)) * 2).round() / 2;
        values[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 2)] = 0.5;
        values[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(2, 3)] = 0;
        using var ours = values.clone().requires_grad_(true);
        using var theirs = values.clone().requires_grad_(true);
        using var upstream = randn(new long[] { 3, channels, height / k, width / k }, dtype: dtype, generator: new TorchSharp.torch.Generator(6));

        using var pooled = ReluMaxPoolFunction.Apply(ours, k);
        using var reference = F.max_pool2d(F.relu(theirs), k);
        (pooled * upstream).sum().backward();
        (reference * upstream).sum().backward();

        Assert.Equal(reference.shape, pooled.shape);
        Assert.True(pooled.eq(reference).all().item<bool>(), "pooled values differ");
        Assert.True(ours.grad!.eq(theirs.grad!).all().item<bool>(), "gradients differ");
    }

    [Theory]
    [InlineData(ScalarType.Float32, 3, 24)] // by rows
    [InlineData(ScalarType.Float32, 12, 6)] // by gathers
    [InlineData(ScalarType.Float64, 3, 24)] // scalar code
    public void A_tie_sends_the_gradient_to_the_first_maximum_in_row_major_order(ScalarType dtype, int height, int width)
    {
        // Window (0, 0): the maximum 2 at (0, 2) and at (1, 0); row-major order picks (0, 2), column-major (1, 0).
        // Window (0, 1): every element 3, so (0, 3). Window (0, 2): nothing positive, no gradient at all.
        using var x = full(new long[] { 1, 1, height, width }, -1.0, dtype: dtype);
        x[0, 0, 0, 2] = 2; x[0, 0, 1, 0] = 2; x[0, 0, 1, 1] = 1;
        x[0, 0, TensorIndex.Slice(0, 3), TensorIndex.Slice(3, 6)] = 3;
        x.requires_grad_(true);
        using var pooled = ReluMaxPoolFunction.Apply(x, 3);
        pooled.sum().backward();

        var grad = x.grad!;
        Assert.Equal(1.0, Value(grad[0, 0, 0, 2]));
        Assert.Equal(0.0, Value(grad[0, 0, 1, 0]));
        Assert.Equal(1.0, Value(grad[0, 0, 0, 3]));
        Assert.Equal(2.0, Value(grad.sum())); // the all-negative windows passed nothing
        Assert.Equal(0.0, Value(pooled[0, 0, -1, -1])); // an all-negative window pools to zero
    }

    [Fact]
    public void NaN_wins_its_window_and_passes_no_gradient()
    {
        using var x = ones(1, 1, 3, 24);
        x[0, 0, 1, 4] = float.NaN;
        x.requires_grad_(true);
        using var pooled = ReluMaxPoolFunction.Apply(x, 3);
        using var reference = F.max_pool2d(F.relu(x.detach()), 3);
        pooled.sum().backward();

        Assert.True(float.IsNaN(pooled[0, 0, 0, 1].item<float>()));
        Assert.True(float.IsNaN(reference[0, 0, 0, 1].item<float>()));
        Assert.Equal(0f, x.grad![0, 0, TensorIndex.Colon, TensorIndex.Slice(3, 6)].abs().sum().item<float>());
        Assert.Equal(1f, x.grad![0, 0, 0, 0].item<float>()); // the other windows keep theirs
    }

    [Fact]
    public void Inputs_it_cannot_pool_are_refused_with_their_shape()
    {
        using var integers = zeros(new long[] { 1, 1, 6, 6 }, dtype: ScalarType.Int32);
        Assert.False(ReluMaxPoolFunction.Supports(integers, 3));
        var error = Assert.Throws<ArgumentException>(() => ReluMaxPoolFunction.Apply(integers, 3));
        Assert.Contains("[1, 1, 6, 6]", error.Message);
        using var small = zeros(1, 1, 2, 6);
        Assert.False(ReluMaxPoolFunction.Supports(small, 3));
    }

    private static double Value(Tensor t) => t.to_type(ScalarType.Float64).item<double>();
}
