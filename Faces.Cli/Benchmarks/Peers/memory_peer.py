# The Faces benchmark peer for `faces benchmark memory`: the study's CNN trained in PyTorch on the rows Faces exported
# (same architecture, initialisation scheme, SGD, batch, epochs), with the same per-epoch evaluation of the training
# and validation splits. Arguments: folder epochs batch learning_rate momentum threads.
# Prints one line per epoch: "epoch RSS_MB", then "peak PEAK_MB" (VmHWM) and "torch VERSION THREADS".
import sys
import numpy as np
import torch
import torch.nn.functional as F
from study_networks import StudyCnn

folder = sys.argv[1]
epochs, batch = int(sys.argv[2]), int(sys.argv[3])
rate, momentum, threads = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(1)

def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024

x = torch.from_numpy(np.load(f"{folder}/train.npy")); y = torch.from_numpy(np.load(f"{folder}/train_labels.npy").astype(np.int64))
vx = torch.from_numpy(np.load(f"{folder}/valid.npy")); vy = torch.from_numpy(np.load(f"{folder}/valid_labels.npy").astype(np.int64))

model = StudyCnn(48, 7)
optimizer = torch.optim.SGD(model.parameters(), lr=rate, momentum=momentum)

def evaluate(features, labels):
    model.eval()
    with torch.no_grad():
        loss = correct = 0.0
        for i in range(0, len(features), 1000):
            logits = model(features[i:i + 1000])
            loss += F.cross_entropy(logits, labels[i:i + 1000], reduction="sum").item()
            correct += (logits.argmax(1) == labels[i:i + 1000]).sum().item()
    return loss / len(features), correct / len(features)

for epoch in range(1, epochs + 1):
    model.train()
    order = torch.randperm(len(x))
    for i in range(0, len(x), batch):
        index = order[i:i + batch]
        optimizer.zero_grad()
        F.cross_entropy(model(x[index]), y[index]).backward()
        optimizer.step()
    evaluate(x, y); evaluate(vx, vy)
    print(f"{epoch} {status('VmRSS'):.1f}", flush=True)
print(f"peak {status('VmHWM'):.1f}")
print(f"torch {torch.__version__} {torch.get_num_threads()}")
