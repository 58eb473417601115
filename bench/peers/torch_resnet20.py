#!/usr/bin/python3
"""PyTorch peer for ResNet-20's training throughput (credit --net resnet20).

He et al. 2016's CIFAR ResNet-20 as credit builds it: conv3x3x16 + BN +
ReLU, three stages of three basic blocks (16, 32, 64 filters; the first
block of stages 2 and 3 with stride 2 and an option-A shortcut: every
second pixel, the new channels zero, split evenly), global average
pooling, fc10. Convolutions carry biases, as credit's do. Softmax
cross-entropy averaged over the batch, SGD with momentum 0.9 at lr 0.1,
random 3×32×32 inputs, training mode (batch statistics). Prints one JSON
line: {"net": "resnet20", "batch": 128, "images_per_s": ..., "threads": ...}

Usage: /usr/bin/python3 torch_resnet20.py [--batch 128] [--seconds 20] [--threads 1]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.b2 = nn.BatchNorm2d(cout)
        self.stride, self.pad = stride, (cout - cin) // 2
        self.cin, self.cout = cin, cout

    def forward(self, x):
        z = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        s = x
        if self.stride != 1 or self.cin != self.cout:
            s = x[:, :, ::self.stride, ::self.stride]
            s = F.pad(s, (0, 0, 0, 0, self.pad, self.cout - self.cin - self.pad))
        return F.relu(z + s)


def build(n=3):
    layers = [nn.Conv2d(3, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU()]
    cin = 16
    for stage, c in enumerate([16, 32, 64]):
        for b in range(n):
            layers.append(Block(cin, c, 2 if stage > 0 and b == 0 else 1))
            cin = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = build()
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(4 * a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (4 * a.batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step(i):
        lo = (i % 4) * a.batch
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x[lo:lo + a.batch]), y[lo:lo + a.batch]).backward()
        opt.step()

    for i in range(2):
        step(i)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < a.seconds:
        step(steps)
        steps += 1
    rate = steps * a.batch / (time.perf_counter() - start)
    print(json.dumps({"net": "resnet20", "batch": a.batch, "images_per_s": rate, "steps": steps,
                      "params": sum(p.numel() for p in net.parameters()),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
