namespace Faces.MLNet.Mixtures;

/// <summary>One EM iteration's two steps over some representation of the data and parameters.</summary>
internal interface IExpectationMaximizationSteps
{
    /// <summary>E-step with the current parameters: the responsibilities, and Σ_n log p(x_n).</summary>
    double EStep();

    /// <summary>M-step from the responsibilities of the last E-step: the next parameters.</summary>
    void MStep();
}

/// <summary>
/// The EM loop, once for every representation (tensors for any covariance type, C# SIMD loops for diagonal ones):
/// E-step, record its log-likelihood, M-step, and stop when the per-example log-likelihood changed by at most
/// <see cref="GaussianMixtureOptions.Tolerance"/> of its magnitude (0: run every iteration, as the study did).
/// </summary>
internal static class ExpectationMaximization
{
    /// <summary>Σ_n log p(x_n) of each iteration (computed in its E-step, before its M-step), and whether the tolerance was met.</summary>
    public static (List<double> LogLikelihoods, bool Converged) Run(IExpectationMaximizationSteps steps, long rows, GaussianMixtureOptions options)
    {
        var logLikelihoods = new List<double>();
        double previous = double.NaN;
        for (int iteration = 0; iteration < options.MaxIterations; iteration++)
        {
            double total = steps.EStep();
            logLikelihoods.Add(total);
            steps.MStep();
            double perExample = total / rows;
            if (options.Tolerance > 0 && !double.IsNaN(previous) && Math.Abs(perExample - previous) <= options.Tolerance * Math.Abs(perExample))
                return (logLikelihoods, true);
            previous = perExample;
        }
        return (logLikelihoods, false);
    }
}
