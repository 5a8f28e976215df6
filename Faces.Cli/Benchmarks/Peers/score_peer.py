# The Faces benchmark peer for `faces benchmark score`: the same CNN, MLP and MoG (weights exported by Faces as .npy)
# scored by PyTorch and scikit-learn on the same rows. Run with Debian's /usr/bin/python3.
# Arguments: folder threads. Prints one JSON line of configuration, then answers one JSON line per command on stdin:
#   batch MODEL SIZE [PASSES]  seconds for PASSES (default 1) passes over every row in batches of SIZE
#                      (forward + softmax, probabilities kept)
#   single MODEL N     per-call milliseconds, one image per call, for the first N rows
#   mog                seconds for every row: score_samples per class + log prior, normalised (probabilities kept)
#   probs MODEL N      the first N rows' probabilities (to check both sides compute the same thing)
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import sklearn
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_info

folder, threads = sys.argv[1], int(sys.argv[2])
torch.set_num_threads(threads)
meta = json.load(open(f"{folder}/meta.json"))
x32 = torch.from_numpy(np.load(f"{folder}/features.npy"))
x64 = x32.numpy().astype(np.float64)

def load(model):
    parameters = [torch.from_numpy(np.load(f"{folder}/{model}.{name}.npy")) for name in meta[model]["parameters"]]
    return parameters

class Cnn(nn.Module):
    def __init__(self, p, side, pool1, pool2):
        super().__init__()
        self.p, self.side, self.pool1, self.pool2 = p, side, pool1, pool2
    def forward(self, x):
        x = x.view(-1, 1, self.side, self.side)
        x = F.max_pool2d(F.relu(F.conv2d(x, self.p[0], self.p[1], padding=2)), self.pool1)
        x = F.max_pool2d(F.relu(F.conv2d(x, self.p[2], self.p[3], padding=2)), self.pool2)
        return F.linear(x.flatten(1), self.p[4], self.p[5])

class Mlp(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.p = p
    def forward(self, x):
        for i in range(0, len(self.p) - 2, 2):
            x = F.relu(F.linear(x, self.p[i], self.p[i + 1]))
        return F.linear(x, self.p[-2], self.p[-1])

models = {"cnn": Cnn(load("cnn"), meta["side"], meta["pool1"], meta["pool2"]).eval(), "mlp": Mlp(load("mlp")).eval()}

mixtures = []
for c in range(meta["mog"]["classes"]):
    gm = GaussianMixture(meta["mog"]["components"], covariance_type="diag")
    gm.weights_ = np.load(f"{folder}/mog.{c}.weights.npy").astype(np.float64)
    gm.means_ = np.load(f"{folder}/mog.{c}.means.npy").astype(np.float64)
    gm.covariances_ = np.load(f"{folder}/mog.{c}.variances.npy").astype(np.float64)
    gm.precisions_cholesky_ = 1 / np.sqrt(gm.covariances_)
    mixtures.append(gm)
log_priors = np.log(np.array(meta["mog"]["priors"], dtype=np.float64))

def mog_probabilities(x):
    joint = np.stack([gm.score_samples(x) for gm in mixtures], axis=1) + log_priors
    joint -= joint.max(axis=1, keepdims=True)
    p = np.exp(joint)
    return p / p.sum(axis=1, keepdims=True)

blas = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "filepath")} for i in threadpool_info()]
print(json.dumps({"torch": torch.__version__, "torch_threads": torch.get_num_threads(), "numpy": np.__version__,
                  "sklearn": sklearn.__version__, "blas": blas}), flush=True)

for line in sys.stdin:
    command = line.split()
    if not command:
        continue
    with torch.no_grad():
        if command[0] == "batch":
            model, size = models[command[1]], int(command[2])
            passes = int(command[3]) if len(command) > 3 else 1
            start = time.perf_counter()
            for _ in range(passes):
                kept = [F.softmax(model(x32[i:i + size]), 1) for i in range(0, len(x32), size)]
            result = {"seconds": time.perf_counter() - start}
        elif command[0] == "single":
            model, count = models[command[1]], int(command[2])
            times = []
            for i in range(count):
                start = time.perf_counter()
                F.softmax(model(x32[i:i + 1]), 1).numpy()
                times.append((time.perf_counter() - start) * 1000)
            result = {"milliseconds": times}
        elif command[0] == "mog":
            start = time.perf_counter()
            kept = mog_probabilities(x64)
            result = {"seconds": time.perf_counter() - start}
        elif command[0] == "probs":
            n = int(command[2])
            p = mog_probabilities(x64[:n]) if command[1] == "mog" else F.softmax(models[command[1]](x32[:n]), 1).numpy()
            result = {"probabilities": p.tolist()}
        else:
            result = {"error": f"unknown command {command[0]}"}
    print(json.dumps(result), flush=True)
