using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>
/// The real-face network, VGG-style: blocks of two 3x3 convolutions (batch norm, ReLU) and a 2x2 max-pool, one block
/// per entry of <see cref="Widths"/> (48 → 24 → 12 → 6 → 3 with four blocks), then dropout, a fully connected ReLU layer
/// of <see cref="Hidden"/> units, dropout and the class layer. Unlike the study's networks it is built for real,
/// uncontrolled faces (FER2013); the study's MLP and CNN stay as the study defined them. Defaults are in
/// <see cref="ExpressionNetDefaults"/>.
/// </summary>
public sealed record ExpressionNetArchitecture : NetworkArchitecture
{
    /// <summary>A network that starts with libtorch's own (Kaiming-uniform) weights rather than the study's Gaussians.</summary>
    public ExpressionNetArchitecture() => Initialization = WeightInitialization.KaimingNormal;

    /// <summary>Input height (<see cref="ExpressionNetDefaults.Height"/>).</summary>
    public int Height { get; init; } = ExpressionNetDefaults.Height;
    /// <summary>Input width (<see cref="ExpressionNetDefaults.Width"/>).</summary>
    public int Width { get; init; } = ExpressionNetDefaults.Width;
    /// <summary>Input channels (<see cref="ExpressionNetDefaults.Channels"/>).</summary>
    public int Channels { get; init; } = ExpressionNetDefaults.Channels;
    /// <summary>Filters per block (<see cref="ExpressionNetDefaults.Widths"/>).</summary>
    public int[] Widths { get; init; } = ExpressionNetDefaults.Widths;
    /// <summary>Units of the fully connected hidden layer (<see cref="ExpressionNetDefaults.Hidden"/>).</summary>
    public int Hidden { get; init; } = ExpressionNetDefaults.Hidden;
    /// <summary>Dropout probability before each fully connected layer (<see cref="ExpressionNetDefaults.Dropout"/>).</summary>
    public double Dropout { get; init; } = ExpressionNetDefaults.Dropout;
    /// <summary>When scoring, average the probabilities of the face and its mirror image (<see cref="ExpressionNetDefaults.FlipAveraging"/>).</summary>
    public bool FlipAveraging { get; init; } = ExpressionNetDefaults.FlipAveraging;

    /// <inheritdoc />
    public override long InputSize => (long)Height * Width * Channels;

    /// <summary>Height and width after every block's 2x2 pooling (floor division, as max-pool drops a remainder).</summary>
    public (int Height, int Width) PooledSize => (Height >> Widths.Length, Width >> Widths.Length);

    /// <summary>Inputs of the fully connected hidden layer.</summary>
    public long FullyConnectedInputs => checked((long)Widths[^1] * PooledSize.Height * PooledSize.Width);

    /// <inheritdoc />
    public override long ParameterCount
    {
        get
        {
            long count = 0, previous = Channels;
            foreach (var width in Widths)
            {
                // Two 3x3 convolutions without bias (batch norm has one), each followed by batch norm's scale and shift.
                count = checked(count + previous * width * 9 + 2 * width + (long)width * width * 9 + 2 * width);
                previous = width;
            }
            return checked(count + FullyConnectedInputs * Hidden + Hidden + (long)Hidden * Classes + Classes);
        }
    }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (Height < 1 || Width < 1 || Channels < 1)
            throw new ArgumentException($"Input shape must be positive; got {Height}x{Width}x{Channels}.");
        if (Widths.Length == 0 || Widths.Any(w => w < 1))
            throw new ArgumentException($"Block widths must be one or more positive numbers; got [{string.Join(", ", Widths)}].");
        if (Widths.Length > 16 || PooledSize.Height < 1 || PooledSize.Width < 1)
            throw new ArgumentException($"A {Height}x{Width} input is too small for {Widths.Length} blocks of 2x2 pooling.");
        if (Hidden < 1) throw new ArgumentException($"Hidden must be positive; got {Hidden}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"Dropout must be in [0, 1); got {Dropout}.");
        CheckSize();
    }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(Generator generator)
    {
        Validate();
        return new ExpressionNet(this, generator);
    }

    /// <inheritdoc />
    public bool Equals(ExpressionNetArchitecture? other) =>
        other is not null && base.Equals(other) && Height == other.Height && Width == other.Width && Channels == other.Channels
        && Widths.SequenceEqual(other.Widths) && Hidden == other.Hidden && Dropout.Equals(other.Dropout) && FlipAveraging == other.FlipAveraging;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Height, Width, Channels, Widths.Length, Hidden, Dropout, FlipAveraging);

    /// <inheritdoc />
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Input = {Height}x{Width}x{Channels}, Widths = [{string.Join(", ", Widths)}], Hidden = {Hidden}, Dropout = {Dropout}, ")
            .Append($"FlipAveraging = {FlipAveraging}, Classes = {Classes}");
        return true;
    }
}
