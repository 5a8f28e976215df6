# The Faces benchmark peer: scikit-learn's diagonal GaussianMixture on the same rows as `faces benchmark mog`.
# Arguments: folder rows dimension components iterations rounds. Prints: median seconds per round, log-likelihood per row.
import sys, time, warnings
import numpy as np
from sklearn.mixture import GaussianMixture
warnings.filterwarnings("ignore")
folder = sys.argv[1]
rows, dimension, components, iterations, rounds = (int(v) for v in sys.argv[2:7])
data = [np.fromfile(f"{folder}/class{c}.f32", dtype="<f4").reshape(rows, dimension).astype(np.float64) for c in range(2)]
times = []
for r in range(rounds + 1):
    start = time.perf_counter(); ll = 0
    for x in data:
        gm = GaussianMixture(components, covariance_type="diag", max_iter=iterations, tol=0, reg_covar=1e-6,
                             init_params="kmeans", random_state=r).fit(x)
        ll += gm.lower_bound_ / 2
    if r > 0: times.append(time.perf_counter() - start)
print(f"{np.median(times)} {ll}")
