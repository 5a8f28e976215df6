using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>One variance per component, shared by every dimension: covariances and precision factors [K].</summary>
internal sealed class SphericalCovariance : CovarianceModel
{
    public static SphericalCovariance Instance { get; } = new();

    public override CovarianceType Type => CovarianceType.Spherical;

    public override long[] Shape(long components, long dimension) => new[] { components };

    public override Tensor Initial(Tensor variances) => variances.mean(new long[] { 1 });

    public override Tensor Estimate(Tensor x, Tensor squares, Tensor responsibilities, Tensor counts, Tensor means, double regCovar, double floor)
    {
        using var scope = NewDisposeScope();
        var variances = (responsibilities.t().matmul(squares) / counts.unsqueeze(1) - means * means).mean(new long[] { 1 }) + regCovar;
        return Floor(variances, floor).MoveToOuterDisposeScope();
    }

    public override Tensor PrecisionCholesky(Tensor covariances) => covariances.rsqrt();

    public override Tensor LogGaussian(Tensor x, Tensor means, Tensor precisionCholesky, Tensor? squares = null)
    {
        using var scope = NewDisposeScope();
        long d = x.shape[1];
        var distance = (x * x).sum(1, keepdim: true) - 2 * x.matmul(means.t()) + (means * means).sum(dim: 1);
        return Combine(distance * (precisionCholesky * precisionCholesky), d * precisionCholesky.log(), d).MoveToOuterDisposeScope();
    }

    public override Tensor Variances(Tensor covariances, long components, long dimension) =>
        covariances.unsqueeze(1).expand(components, dimension).clone();

    /// <summary>A diagonal scorer whose precisions repeat the component's one value in every dimension.</summary>
    public override MixtureDensity Density(double[] logWeights, double[] means, double[] precisionCholesky, int dimension) =>
        new DiagonalDensity(logWeights, means, precisionCholesky.SelectMany(p => Enumerable.Repeat(p, dimension)).ToArray(), dimension);
}
