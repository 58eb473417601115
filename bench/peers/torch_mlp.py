#!/usr/bin/python3
"""PyTorch peer for `credit bench`: training throughput of an MLP.

Trains a sigmoid MLP with a linear output, squared error summed over the
batch and plain SGD (backprop), the configuration credit's benchmark runs,
on random inputs in [0, 1) with one-hot targets, at PyTorch's default thread
settings. Prints one JSON object per configuration:
{"net": "784-256-256-10", "batch": 32, "samples_per_s": ..., "threads": ...}

Usage: /usr/bin/python3 torch_mlp.py [--nets 784-256-256-10,784-1000-10]
       [--batches 32,256] [--seconds 3]
"""
import argparse
import json
import time

import torch


def build(widths):
    layers = []
    for i in range(1, len(widths)):
        layers.append(torch.nn.Linear(widths[i - 1], widths[i]))
        if i < len(widths) - 1:
            layers.append(torch.nn.Sigmoid())
    return torch.nn.Sequential(*layers)


def measure(widths, batch, seconds):
    torch.manual_seed(1)
    net = build(widths)
    opt = torch.optim.SGD(net.parameters(), lr=1e-4)
    n = 4096
    x = torch.rand(n, widths[0])
    y = torch.nn.functional.one_hot(torch.randint(0, widths[-1], (n,)), widths[-1]).float()

    def step(i):
        lo = (i * batch) % (n - batch)
        xb, yb = x[lo:lo + batch], y[lo:lo + batch]
        opt.zero_grad(set_to_none=True)
        loss = 0.5 * ((net(xb) - yb) ** 2).sum()
        loss.backward()
        opt.step()

    for i in range(20):  # warm up
        step(i)
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            step(steps)
            steps += 1
    elapsed = time.perf_counter() - start
    return steps * batch / elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nets", default="784-256-256-10,784-1000-10")
    ap.add_argument("--batches", default="32,256")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: PyTorch's default)")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    for net in a.nets.split(","):
        widths = [int(w) for w in net.split("-")]
        for batch in (int(b) for b in a.batches.split(",")):
            rate = measure(widths, batch, a.seconds)
            print(json.dumps({"net": net, "batch": batch, "samples_per_s": rate,
                              "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
