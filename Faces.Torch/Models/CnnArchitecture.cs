using Faces.Torch.Convolution;
using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// The study's CNN: conv (FilterSize², Filters1, 'same') → ReLU → max-pool Pool1 → conv (FilterSize², Filters2, 'same')
/// → ReLU → max-pool Pool2 → fully connected → classes, with the study's settings as defaults (<see cref="CnnDefaults"/>;
/// the pools take 48 to 16 to 8, so the FC layer has Filters2·8·8 inputs). Input rows are flattened channel-major (C, H, W); the FC
/// layer flattens its input in (channel, height, width) order, PyTorch's, where the study's code used (height,
/// width, channel): the parameter counts are the same.
/// </summary>
public sealed record CnnArchitecture : NetworkArchitecture
{
    /// <summary>Input height (<see cref="CnnDefaults.Height"/>).</summary>
    public int Height { get; init; } = CnnDefaults.Height;
    /// <summary>Input width (<see cref="CnnDefaults.Width"/>).</summary>
    public int Width { get; init; } = CnnDefaults.Width;
    /// <summary>Input channels. Default 1 (grayscale).</summary>
    public int Channels { get; init; } = CnnDefaults.Channels;
    /// <summary>Square filter size of both convolutions (<see cref="CnnDefaults.FilterSize"/>).</summary>
    public int FilterSize { get; init; } = CnnDefaults.FilterSize;
    /// <summary>Filters of the first convolution. Default 8 (the study's best: 24).</summary>
    public int Filters1 { get; init; } = CnnDefaults.Filters1;
    /// <summary>Filters of the second convolution. Default 16 (the study's best: 40).</summary>
    public int Filters2 { get; init; } = CnnDefaults.Filters2;
    /// <summary>Size and stride of the first (non-overlapping) max-pool (<see cref="CnnDefaults.Pool1"/>).</summary>
    public int Pool1 { get; init; } = CnnDefaults.Pool1;
    /// <summary>Size and stride of the second max-pool (<see cref="CnnDefaults.Pool2"/>).</summary>
    public int Pool2 { get; init; } = CnnDefaults.Pool2;
    /// <summary>Explicit (Faces' backward, default) or native convolution.</summary>
    public ConvolutionKind Convolution { get; init; } = ConvolutionKind.Explicit;

    /// <summary>The study's best CNN: <see cref="CnnDefaults.BestFilters1"/> and <see cref="CnnDefaults.BestFilters2"/> filters, otherwise the defaults.</summary>
    public static CnnArchitecture StudyBest => new() { Filters1 = CnnDefaults.BestFilters1, Filters2 = CnnDefaults.BestFilters2 };

    /// <inheritdoc />
    public override long InputSize => (long)Height * Width * Channels;

    /// <summary>Height and width after both poolings (floor division, as max-pool without padding does).</summary>
    public (int Height, int Width) PooledSize => (Height / Pool1 / Pool2, Width / Pool1 / Pool2);

    /// <summary>Inputs of the fully connected layer.</summary>
    public long FullyConnectedInputs => checked((long)Filters2 * PooledSize.Height * PooledSize.Width);

    /// <inheritdoc />
    public override long ParameterCount => checked(
        (long)Filters1 * Channels * FilterSize * FilterSize + Filters1
        + (long)Filters2 * Filters1 * FilterSize * FilterSize + Filters2
        + FullyConnectedInputs * Classes + Classes);

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (Height < 1 || Width < 1 || Channels < 1)
            throw new ArgumentException($"Input shape must be positive; got {Height}x{Width}x{Channels}.");
        if (FilterSize < 1 || Filters1 < 1 || Filters2 < 1 || Pool1 < 1 || Pool2 < 1)
            throw new ArgumentException("Filter size, filter counts and pool sizes must be positive.");
        if (PooledSize.Height < 1 || PooledSize.Width < 1)
            throw new ArgumentException($"A {Height}x{Width} input is too small for pools {Pool1} and {Pool2}.");
        CheckSize();
    }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(Generator generator)
    {
        Validate();
        return new Cnn(this, generator);
    }
}
