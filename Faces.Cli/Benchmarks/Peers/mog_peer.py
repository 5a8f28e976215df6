# The Faces benchmark peer for `faces benchmark mog`: scikit-learn's diagonal GaussianMixture on the same rows.
# Arguments: folder rows dimension components. Prints one JSON line of configuration, then answers one JSON line per
# command on stdin:
#   init N   seconds of scikit-learn's own k-means initialisation (KMeans, n_init=1) on each class
#   em N     from the initial parameters Faces exported (the same for both sides), N EM iterations per class with
#            scikit-learn's own E-step and M-step (reg_covar 1e-6): seconds, and the final log-likelihood per row
import json, sys, time, warnings
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info
warnings.filterwarnings("ignore")
folder = sys.argv[1]
rows, dimension, components = (int(v) for v in sys.argv[2:5])
data = [np.fromfile(f"{folder}/class{c}.f32", dtype="<f4").reshape(rows, dimension).astype(np.float64) for c in range(2)]
start = [{name: np.load(f"{folder}/init{c}.{name}.npy") for name in ("weights", "means", "variances")} for c in range(2)]
blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "filepath")} for i in threadpool_info()]
print(json.dumps({"numpy": np.__version__, "sklearn": sklearn.__version__, "blas": blas}), flush=True)

for line in sys.stdin:
    command = line.split()
    if not command:
        continue
    if command[0] == "init":
        begin = time.perf_counter()
        for x in data:
            KMeans(components, n_init=1, random_state=int(command[1])).fit(x)
        result = {"seconds": time.perf_counter() - begin}
    elif command[0] == "em":
        iterations, seconds, ll = int(command[1]), 0.0, 0.0
        for x, s in zip(data, start):
            gm = GaussianMixture(components, covariance_type="diag", reg_covar=1e-6)
            gm.weights_, gm.means_, gm.covariances_ = s["weights"].copy(), s["means"].copy(), s["variances"].copy()
            gm.precisions_cholesky_ = 1 / np.sqrt(gm.covariances_)
            begin = time.perf_counter()
            for _ in range(iterations):
                _, log_resp = gm._e_step(x)
                gm._m_step(x, log_resp)
            seconds += time.perf_counter() - begin
            ll += gm.score(x) / 2
        result = {"seconds": seconds, "loglik": ll}
    else:
        result = {"error": f"unknown command {command[0]}"}
    print(json.dumps(result), flush=True)
