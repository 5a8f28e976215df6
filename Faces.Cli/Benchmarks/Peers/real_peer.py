# The Faces benchmark peer for the real-face network: the same VGG-style network (blocks of two 3x3 convolutions with
# batch norm and ReLU, 2x2 max-pooling, dropout, FC, dropout, classes) and the same recipe (per-example affine
# augmentation through affine_grid/grid_sample, brightness and contrast; SGD with Nesterov momentum, one-cycle
# schedule, label smoothing, weight decay) in PyTorch. Run by `faces benchmark real` with Debian's /usr/bin/python3.
# Arguments: rows epochs threads widths(comma-separated) hidden batch. Prints one JSON line of configuration, then
# answers one JSON line per command on stdin: "epoch" trains one epoch and gives its seconds.
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

rows, epochs, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
widths, hidden, batch = [int(w) for w in sys.argv[4].split(",")], int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(1)
g = torch.Generator().manual_seed(2)
x = torch.rand(rows, 1, 48, 48, generator=g)
y = torch.randint(0, 7, (rows,), generator=g)

def block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(),
                         nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))

layers, previous = [], 1
for w in widths:
    layers.append(block(previous, w)); previous = w
side = 48 >> len(widths)
net = nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.5), nn.Linear(previous * side * side, hidden), nn.ReLU(),
                    nn.Dropout(0.5), nn.Linear(hidden, 7))
steps = math.ceil(rows / batch) * epochs
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)

def augment(images):
    n = images.shape[0]
    angle = (torch.rand(n) * 2 - 1) * math.radians(10)
    inverse = 1 / (1 + (torch.rand(n) * 2 - 1) * 0.1)
    flip = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
    shift = torch.round((torch.rand(n, 2) * 2 - 1) * 0.1 * 48)
    theta = torch.stack([torch.stack([angle.cos() * inverse * flip, -angle.sin() * inverse, -2 * shift[:, 0] / 48], 1),
                         torch.stack([angle.sin() * inverse * flip, angle.cos() * inverse, -2 * shift[:, 1] / 48], 1)], 1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    warped = F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
    mean = warped.mean((1, 2, 3), keepdim=True); std = warped.std((1, 2, 3), keepdim=True)
    gain = (1 + (torch.rand(n, 1, 1, 1) * 2 - 1) * 0.2); offset = (torch.rand(n, 1, 1, 1) * 2 - 1) * 0.2
    return (warped - mean) * gain + mean + offset * std

print(json.dumps({"torch": torch.__version__, "torch_threads": torch.get_num_threads(),
                  "parameters": sum(p.numel() for p in net.parameters())}), flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "epoch":
        start = time.perf_counter()
        net.train()
        order = torch.randperm(rows)
        for i in range(0, rows, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            F.cross_entropy(net(augment(x[idx])), y[idx], label_smoothing=0.1).backward()
            opt.step()
            schedule.step()
        result = {"seconds": time.perf_counter() - start}
    else:
        result = {"error": f"unknown command {command}"}
    print(json.dumps(result), flush=True)
