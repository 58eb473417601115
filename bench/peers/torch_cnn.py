#!/usr/bin/python3
"""PyTorch peer for `credit bench`: training throughput of the small E4 CNN.

conv5x5x16 (same padding), tanh, max-pool 3×3 stride 2 (padding 1: 32 → 16)
→ conv5x5x32, tanh, pool → conv5x5x32, tanh, pool → fc 512→128, tanh,
dropout 0.5 → fc 128→128, tanh, dropout 0.5 → fc 128→10; softmax
cross-entropy summed over the batch; Adam (ε 1e-5); random 3×32×32 inputs.
Backprop only, at PyTorch's default thread settings. Prints one JSON line:
{"net": "e4-small", "batch": 128, "images_per_s": ..., "threads": ...}

Usage: /usr/bin/python3 torch_cnn.py [--batch 128] [--seconds 5]
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def build():
    def block(cin, cout):
        return [nn.Conv2d(cin, cout, 5, padding=2), nn.Tanh(), nn.MaxPool2d(3, 2, padding=1)]
    return nn.Sequential(*block(3, 16), *block(16, 32), *block(32, 32), nn.Flatten(),
                         nn.Linear(512, 128), nn.Tanh(), nn.Dropout(0.5),
                         nn.Linear(128, 128), nn.Tanh(), nn.Dropout(0.5), nn.Linear(128, 10))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = build()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-5)
    x = torch.randn(4 * a.batch, 3, 32, 32)
    y = torch.randint(0, 10, (4 * a.batch,))
    loss_fn = nn.CrossEntropyLoss(reduction="sum")

    def step(i):
        lo = (i % 4) * a.batch
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x[lo:lo + a.batch]), y[lo:lo + a.batch]).backward()
        opt.step()

    for i in range(3):
        step(i)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < a.seconds:
        step(steps)
        steps += 1
    rate = steps * a.batch / (time.perf_counter() - start)
    print(json.dumps({"net": "e4-small", "batch": a.batch, "images_per_s": rate,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
