# The Faces benchmark peer: the study's MLP/CNN trained in PyTorch on Fashion-MNIST ("same" padding, ReLU,
# non-overlapping max-pools, study initialisation). Run by `faces benchmark fashion` with Debian's /usr/bin/python3.
# Arguments: folder kind(mlp|cnn) threads. Prints one JSON line of configuration, then answers one JSON line per
# command on stdin: "epoch" trains one epoch and gives its seconds; "accuracy" gives the test accuracy.
import gzip, json, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

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

class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(784, 16), nn.Linear(16, 32), nn.Linear(32, 10)
        for layer, std in ((self.l1, 0.1), (self.l2, 0.1), (self.l3, 0.01)):
            nn.init.normal_(layer.weight, 0, std); nn.init.zeros_(layer.bias)
    def forward(self, v):
        return self.l3(F.relu(self.l2(F.relu(self.l1(v)))))

class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 8, 5, padding=2), nn.Conv2d(8, 16, 5, padding=2)
        self.fc = nn.Linear(16 * 4 * 4, 10)
        for layer, std in ((self.c1, 0.1), (self.c2, 0.1), (self.fc, 0.01)):
            nn.init.normal_(layer.weight, 0, std); nn.init.zeros_(layer.bias)
    def forward(self, v):
        v = v.view(-1, 1, 28, 28)
        v = F.max_pool2d(F.relu(self.c1(v)), 3)
        v = F.max_pool2d(F.relu(self.c2(v)), 2)
        return self.fc(v.flatten(1))

net = Cnn() if kind == "cnn" else Mlp()
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
