using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures.Covariances;

/// <summary>One full covariance matrix shared by every component: covariances and precision factor [D, D].</summary>
internal sealed class SharedFullCovariance : CovarianceModel
{
    public static SharedFullCovariance Instance { get; } = new();

    public override CovarianceType Type => CovarianceType.SharedFull;

    public override long[] Shape(long components, long dimension) => new[] { dimension, dimension };

    public override Tensor Initial(Tensor variances) => diag(variances.mean(new long[] { 0 }));

    public override Tensor Estimate(Tensor x, Tensor squares, Tensor responsibilities, Tensor counts, Tensor means, double regCovar, double floor)
    {
        using var scope = NewDisposeScope();
        var scatter = x.t().matmul(x) - (means.t() * counts).matmul(means);
        var covariance = scatter / counts.sum();
        RegulariseDiagonal(covariance, regCovar, floor);
        return covariance.MoveToOuterDisposeScope();
    }

    public override Tensor PrecisionCholesky(Tensor covariances) => CholeskyOfPrecision(covariances);

    public override Tensor LogGaussian(Tensor x, Tensor means, Tensor precisionCholesky, Tensor? squares = null)
    {
        using var scope = NewDisposeScope();
        var y = x.matmul(precisionCholesky);
        var m = means.matmul(precisionCholesky);
        var quadratic = (y * y).sum(1, keepdim: true) - 2 * y.matmul(m.t()) + (m * m).sum(dim: 1);
        var logDeterminant = precisionCholesky.diagonal().log().sum().expand(means.shape[0]);
        return Combine(quadratic, logDeterminant, x.shape[1]).MoveToOuterDisposeScope();
    }

    public override Tensor Variances(Tensor covariances, long components, long dimension) =>
        covariances.diagonal().unsqueeze(0).expand(components, dimension).clone();

    public override MixtureDensity Density(double[] logWeights, double[] means, double[] precisionCholesky, int dimension) =>
        new CholeskyDensity(logWeights, means, precisionCholesky, dimension, shared: true);
}
