# The study's networks as the training peers build them in PyTorch (imported by memory_peer.py and fashion_peer.py,
# written beside them): Faces' default CNN — 5x5 'same' convolutions with 8 and 16 filters, ReLU, max-pools 3 then 2,
# a linear output — and MLP (hidden 16 and 32, ReLU), with the study's N(0, 0.1²) hidden / N(0, 0.01²) output weights
# and zero biases.
import torch.nn as nn
import torch.nn.functional as F

def _initialise(layers):
    for layer, std in zip(layers, [0.1] * (len(layers) - 1) + [0.01]):
        nn.init.normal_(layer.weight, 0, std); nn.init.zeros_(layer.bias)

class StudyCnn(nn.Module):
    def __init__(self, side, classes):
        super().__init__()
        self.side = side
        self.conv1, self.conv2 = nn.Conv2d(1, 8, 5, padding=2), nn.Conv2d(8, 16, 5, padding=2)
        pooled = side // 3 // 2
        self.fc = nn.Linear(16 * pooled * pooled, classes)
        _initialise([self.conv1, self.conv2, self.fc])
    def forward(self, v):
        v = v.view(-1, 1, self.side, self.side)
        v = F.max_pool2d(F.relu(self.conv1(v)), 3)
        v = F.max_pool2d(F.relu(self.conv2(v)), 2)
        return self.fc(v.flatten(1))

class StudyMlp(nn.Module):
    def __init__(self, inputs, classes):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(inputs, 16), nn.Linear(16, 32), nn.Linear(32, classes)
        _initialise([self.l1, self.l2, self.l3])
    def forward(self, v):
        return self.l3(F.relu(self.l2(F.relu(self.l1(v)))))
