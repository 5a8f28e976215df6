#!/usr/bin/python3
# Computes sklearn_reference.json, the reference values of GaussianMixtureSklearnTests, with Debian's python3-sklearn:
#   apt-get install python3-sklearn && /usr/bin/python3 sklearn_reference.py
# The data and the initial parameters are the formulas in GaussianMixtureSklearnTests.cs (no random numbers),
# so both sides fit the same problem from the same start.
import json, math
import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture

N, D, K, ITER = 60, 3, 2, 5
X = np.array([[(n % 2) * 3.0 + math.sin(1.7 * n + 0.9 * d + 0.3) * (1 + 0.5 * d) for d in range(D)] for n in range(N)])
weights = np.array([0.4, 0.6])
means = np.array([[0.5, 0.2, -0.1], [2.5, 2.8, 3.1]])
variance = 1.0

out = {"sklearn": sklearn.__version__, "iterations": ITER, "reg_covar": 1e-6}
for kind in ["diag", "spherical", "tied", "full"]:
    if kind == "diag":
        precisions = np.full((K, D), 1 / variance)
    elif kind == "spherical":
        precisions = np.full(K, 1 / variance)
    elif kind == "tied":
        precisions = np.eye(D) / variance
    else:
        precisions = np.stack([np.eye(D) / variance] * K)
    gm = GaussianMixture(K, covariance_type=kind, max_iter=ITER, tol=0, reg_covar=1e-6,
                         weights_init=weights, means_init=means, precisions_init=precisions)
    gm.fit(X)
    out[kind] = {"weights": gm.weights_.tolist(), "means": gm.means_.tolist(),
                 "covariances": np.asarray(gm.covariances_).ravel().tolist(), "lower_bound": gm.lower_bound_,
                 "score_samples": gm.score_samples(X[:5]).tolist()}

# A wider diagonal case for Faces' SIMD EM loops: 11 dimensions (two 4-wide vectors and a scalar tail), 6 components
# (a block of 4 and a partial block), float64 data given as is (no float32 round trip), so agreement is ~1e-10.
N2, D2, K2, ITER2 = 90, 11, 6, 6
X2 = np.array([[(n % K2) * 1.5 + math.sin(0.37 * n * (d + 1) + 0.2 * d) * (1 + 0.1 * d) for d in range(D2)] for n in range(N2)])
weights2 = np.array([(c + 1.0) for c in range(K2)]); weights2 /= weights2.sum()
means2 = np.array([[c * 1.4 + 0.3 * math.cos(c + d) for d in range(D2)] for c in range(K2)])
gm = GaussianMixture(K2, covariance_type="diag", max_iter=ITER2, tol=0, reg_covar=1e-6,
                     weights_init=weights2, means_init=means2, precisions_init=np.full((K2, D2), 1 / 0.8))
gm.fit(X2)
out["diag_wide"] = {"rows": N2, "dimension": D2, "components": K2, "iterations": ITER2, "weights": gm.weights_.tolist(),
                    "means": gm.means_.tolist(), "covariances": np.asarray(gm.covariances_).ravel().tolist(),
                    "lower_bound": gm.lower_bound_}
with open("sklearn_reference.json", "w") as f:
    json.dump(out, f, indent=1)
