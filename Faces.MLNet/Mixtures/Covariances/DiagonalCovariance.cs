using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>One variance per component and dimension (the study's): covariances and precision factors [K, D].</summary>
internal sealed class DiagonalCovariance : CovarianceModel
{
    public static DiagonalCovariance Instance { get; } = new();

    public override CovarianceType Type => CovarianceType.Diagonal;

    public override long[] Shape(long components, long dimension) => new[] { components, dimension };

    public override Tensor Initial(Tensor variances) => variances.clone();

    public override Tensor Estimate(Tensor x, Tensor squares, Tensor responsibilities, Tensor counts, Tensor means, double regCovar, double floor)
    {
        using var scope = NewDisposeScope();
        var variances = responsibilities.t().matmul(squares) / counts.unsqueeze(1) - means * means + regCovar;
        return Floor(variances, floor).MoveToOuterDisposeScope();
    }

    public override Tensor PrecisionCholesky(Tensor covariances) => covariances.rsqrt();

    public override Tensor LogGaussian(Tensor x, Tensor means, Tensor precisionCholesky, Tensor? squares = null)
    {
        using var scope = NewDisposeScope();
        var precision = precisionCholesky * precisionCholesky;
        var quadratic = (squares ?? x * x).matmul(precision.t()) - 2 * x.matmul((means * precision).t()) + (means * means * precision).sum(dim: 1);
        return Combine(quadratic, precisionCholesky.log().sum(dim: 1), x.shape[1]).MoveToOuterDisposeScope();
    }

    public override Tensor Variances(Tensor covariances, long components, long dimension) => covariances.clone();

    public override MixtureDensity Density(double[] logWeights, double[] means, double[] precisionCholesky, int dimension) =>
        new DiagonalDensity(logWeights, means, precisionCholesky, dimension);
}
