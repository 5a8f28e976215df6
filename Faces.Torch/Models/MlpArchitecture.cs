using static TorchSharp.torch;

namespace Faces.Torch.Models;

/// <summary>The study's fully connected net: inputs → hidden layers with ReLU → classes, with the study's sizes as defaults (<see cref="MlpDefaults"/>).</summary>
public sealed record MlpArchitecture : NetworkArchitecture
{
    /// <summary>Inputs per example (<see cref="MlpDefaults.Inputs"/>).</summary>
    public int Inputs { get; init; } = MlpDefaults.Inputs;

    /// <summary>Hidden layer widths. Default [16, 32].</summary>
    public int[] Hidden { get; init; } = MlpDefaults.Hidden;

    /// <inheritdoc />
    public override long InputSize => Inputs;

    /// <inheritdoc />
    public override long ParameterCount
    {
        get
        {
            long count = 0, previous = Inputs;
            foreach (var width in Hidden.Append(Classes))
            {
                count = checked(count + previous * width + width);
                previous = width;
            }
            return count;
        }
    }

    /// <inheritdoc />
    public override void Validate()
    {
        base.Validate();
        if (Inputs < 1) throw new ArgumentException($"Inputs must be positive; got {Inputs}.");
        if (Hidden.Any(h => h < 1)) throw new ArgumentException($"Hidden layer widths must be positive; got [{string.Join(", ", Hidden)}].");
        CheckSize();
    }

    /// <inheritdoc />
    public override nn.Module<Tensor, Tensor> Build(Generator generator)
    {
        Validate();
        return new Mlp(this, generator);
    }

    /// <inheritdoc />
    public bool Equals(MlpArchitecture? other) =>
        other is not null && base.Equals(other) && Inputs == other.Inputs && Hidden.SequenceEqual(other.Hidden);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Inputs, Hidden.Length);

    /// <inheritdoc />
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Inputs = {Inputs}, Hidden = [{string.Join(", ", Hidden)}], Classes = {Classes}");
        return true;
    }
}
