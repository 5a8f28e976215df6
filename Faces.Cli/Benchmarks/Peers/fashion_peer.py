# The Faces benchmark peer: the study's MLP/CNN trained in PyTorch on Fashion-MNIST ("same" padding, ReLU,
# non-overlapping max-pools, study initialisation). Run by `faces benchmark fashion` with Debian's /usr/bin/python3.
# Arguments: folder kind(mlp|cnn) threads. Prints one JSON line of configuration, then answers one JSON line per
# command on stdin: "epoch" trains one epoch and gives its seconds; "accuracy" gives the test accuracy.
import gzip, json, sys, time
import numpy as np
import torch
import torch.nn.functional as F
from study_networks import StudyCnn, StudyMlp

folder, kind, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(1)

def images(name):
    with gzip.open(f"{folder}/{name}", "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return torch.from_numpy(data.astype(np.float32) / 255).reshape(-1, 28 * 28)

def labels(name):
    with gzip.open(f"{folder}/{name}", "rb") as f:
        return torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64))

x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
tx, ty = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")

net = StudyCnn(28, 10) if kind == "cnn" else StudyMlp(28 * 28, 10)
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
print(json.dumps({"torch": torch.__version__, "torch_threads": torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "epoch":
        start = time.perf_counter()
        net.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 100):
            idx = order[i:i + 100]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
        result = {"seconds": time.perf_counter() - start}
    elif command == "accuracy":
        net.eval()
        with torch.no_grad():
            result = {"accuracy": (net(tx).argmax(1) == ty).float().mean().item()}
    else:
        result = {"error": f"unknown command {command}"}
    print(json.dumps(result), flush=True)
