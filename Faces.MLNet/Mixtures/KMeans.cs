using static TorchSharp.torch;

namespace Faces.MLNet.Mixtures;

/// <summary>k-means centres for initialising EM: greedy k-means++ seeding, then Lloyd iterations.</summary>
public static class KMeans
{
    /// <summary>Centres [K, D] of float64 data [N, D]. An empty cluster takes the point farthest from its own centre.</summary>
    public static Tensor Centres(Tensor x, int k, int iterations, Generator generator)
    {
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var squaredNorms = (x * x).sum(dim: 1);
        var chosen = new List<long> { randint(0, n, new long[] { 1 }, generator: generator).item<long>() };
        var closest = SquaredDistances(x, squaredNorms, x[chosen[0]].unsqueeze(0)).squeeze(1);
        int trials = 2 + (int)Math.Log(k);
        while (chosen.Count < k)
        {
            // Greedy k-means++: draw a few candidates with probability proportional to the squared distance to the
            // nearest centre, keep the one that lowers the total squared distance most (one draw alone often merges clusters).
            var total = closest.sum().item<double>();
            var candidates = total > 0
                ? multinomial(closest / total, trials, replacement: true, generator: generator)
                : randint(0, n, new long[] { trials }, generator: generator);
            var candidateDistances = SquaredDistances(x, squaredNorms, x.index_select(0, candidates)); // [N, trials]
            var potentials = minimum(closest.unsqueeze(1), candidateDistances).sum(dim: 0);
            long best = potentials.argmin().item<long>();
            chosen.Add(candidates[best].item<long>());
            closest = minimum(closest, candidateDistances[.., (int)best]);
        }
        var centres = x.index_select(0, tensor(chosen.ToArray()));
        Tensor? previous = null;
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var distances = SquaredDistances(x, squaredNorms, centres);
            var assignment = distances.argmin(1);
            // Lloyd has converged once no point changes cluster (the centres would not move).
            if (previous is not null && assignment.eq(previous).all().item<bool>()) break;
            previous = assignment;
            var oneHot = nn.functional.one_hot(assignment, k).to_type(ScalarType.Float64);
            var counts = oneHot.sum(dim: 0);
            var sums = oneHot.t().matmul(x);
            var updated = sums / counts.clamp_min(1).unsqueeze(1);
            var ownDistance = distances.gather(1, assignment.unsqueeze(1)).squeeze(1);
            foreach (long empty in counts.eq(0).nonzero().flatten().data<long>().ToArray())
            {
                long farthest = ownDistance.argmax().item<long>();
                updated[empty] = x[farthest];
                ownDistance[farthest] = 0; // another empty cluster takes the next farthest point
            }
            centres = updated;
        }
        return centres.MoveToOuterDisposeScope();
    }

    private static Tensor SquaredDistances(Tensor x, Tensor squaredNorms, Tensor centres) =>
        (squaredNorms.unsqueeze(1) - 2 * x.matmul(centres.t()) + (centres * centres).sum(dim: 1)).clamp_min(0);
}
