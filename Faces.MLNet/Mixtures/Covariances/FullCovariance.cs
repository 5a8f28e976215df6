using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>A full covariance matrix per component: covariances and precision factors [K, D, D].</summary>
internal sealed class FullCovariance : CovarianceModel
{
    public static FullCovariance Instance { get; } = new();

    public override CovarianceType Type => CovarianceType.Full;

    public override long[] Shape(long components, long dimension) => new[] { components, dimension, dimension };

    public override Tensor Initial(Tensor variances) => diag_embed(variances);

    public override Tensor Estimate(Tensor x, Tensor squares, Tensor responsibilities, Tensor counts, Tensor means, double regCovar, double floor)
    {
        using var scope = NewDisposeScope();
        var perComponent = new List<Tensor>();
        for (long k = 0; k < means.shape[0]; k++)
        {
            var centred = x - means[k];
            perComponent.Add((responsibilities[.., (int)k].unsqueeze(1) * centred).t().matmul(centred) / counts[k]);
        }
        var covariances = stack(perComponent);
        RegulariseDiagonal(covariances, regCovar, floor);
        return covariances.MoveToOuterDisposeScope();
    }

    public override Tensor PrecisionCholesky(Tensor covariances) => CholeskyOfPrecision(covariances);

    public override Tensor LogGaussian(Tensor x, Tensor means, Tensor precisionCholesky, Tensor? squares = null)
    {
        using var scope = NewDisposeScope();
        var columns = new List<Tensor>();
        for (long k = 0; k < means.shape[0]; k++)
        {
            var y = (x - means[k]).matmul(precisionCholesky[k]);
            columns.Add((y * y).sum(dim: 1));
        }
        var logDeterminant = precisionCholesky.diagonal(dim1: 1, dim2: 2).log().sum(dim: 1);
        return Combine(stack(columns, 1), logDeterminant, x.shape[1]).MoveToOuterDisposeScope();
    }

    public override Tensor Variances(Tensor covariances, long components, long dimension) =>
        covariances.diagonal(dim1: 1, dim2: 2).clone();

    public override MixtureDensity Density(double[] logWeights, double[] means, double[] precisionCholesky, int dimension) =>
        new CholeskyDensity(logWeights, means, precisionCholesky, dimension, shared: false);
}
