#!/usr/bin/python3
"""PyTorch peer for `credit bench`: whole training epochs on the arrays credit trains on.

Reads PREFIX.xtr and PREFIX.xte (float32 little-endian, N×In row-major, credit's own
inputs) and PREFIX.ytr and PREFIX.yte (int32 labels) with numpy.fromfile, builds the
network (an MLP "784-256-256-10" with --act between layers and a linear output, or
"e4-small": conv5x5x16 same, tanh, max-pool 3×3 stride 2 padding 1, twice more with 32
channels, fc128, tanh, dropout 0.5, fc128, tanh, dropout 0.5, fc10), and for each thread
count in --threads: a warm-up of 20 steps and a test pass, then one epoch (a fresh random
order, batches of --batch, the last one short; loss "ce" softmax cross-entropy or "mse"
½‖ŷ − onehot‖², reduced by --reduction over the batch; --opt sgd, momentum or adam at
--lr) and the test pass over the whole test set under torch.no_grad (loss and errors,
chunks of 1000). Prints one JSON line per thread count:
{"threads": 1, "train_s": ..., "test_s": ..., "test_error": ...}
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn


def build(a, shape):
    if a.net == "e4-small":
        act = {"tanh": nn.Tanh, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}[a.act]

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 5, padding=2), act(), nn.MaxPool2d(3, 2, padding=1)]
        flat = 32 * (shape[1] // 8) * (shape[2] // 8)
        return nn.Sequential(*block(shape[0], 16), *block(16, 32), *block(32, 32), nn.Flatten(),
                             nn.Linear(flat, 128), act(), nn.Dropout(0.5),
                             nn.Linear(128, 128), act(), nn.Dropout(0.5), nn.Linear(128, 10))
    widths = [int(w) for w in a.net.split("-")]
    layers = []
    for i in range(1, len(widths)):
        layers.append(nn.Linear(widths[i - 1], widths[i]))
        if i < len(widths) - 1:
            layers.append({"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[a.act]())
    return nn.Sequential(*layers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--ntrain", type=int, required=True)
    ap.add_argument("--ntest", type=int, required=True)
    ap.add_argument("--shape", default="0,0,0")
    ap.add_argument("--net", required=True)
    ap.add_argument("--act", default="relu")
    ap.add_argument("--loss", default="ce")
    ap.add_argument("--reduction", default="mean")
    ap.add_argument("--opt", default="sgd")
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--momentum", type=float, default=0.9)
    ap.add_argument("--eps", type=float, default=1e-8)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", default="1")
    a = ap.parse_args()
    shape = [int(s) for s in a.shape.split(",")]

    def load(ext, n):
        x = np.fromfile(a.data + ".x" + ext, dtype="<f4")
        y = np.fromfile(a.data + ".y" + ext, dtype="<i4").astype(np.int64)
        x = x.reshape(n, -1)
        if a.net == "e4-small":
            x = x.reshape(n, *shape)
        return torch.from_numpy(x), torch.from_numpy(y)
    xtr, ytr = load("tr", a.ntrain)
    xte, yte = load("te", a.ntest)
    classes = 10

    def loss_fn(out, y, reduction):
        if a.loss == "ce":
            return nn.functional.cross_entropy(out, y, reduction=reduction)
        l = 0.5 * ((out - nn.functional.one_hot(y, classes).to(out.dtype)) ** 2).sum(dim=1)
        return l.sum() if reduction == "sum" else l.mean()

    for threads in (int(t) for t in a.threads.split(",")):
        torch.set_num_threads(threads)
        torch.manual_seed(1)
        net = build(a, shape)
        if a.opt == "sgd":
            opt = torch.optim.SGD(net.parameters(), lr=a.lr)
        elif a.opt == "momentum":
            opt = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum)
        else:
            opt = torch.optim.Adam(net.parameters(), lr=a.lr, eps=a.eps)

        def step(idx):
            net.train()
            opt.zero_grad(set_to_none=True)
            loss_fn(net(xtr[idx]), ytr[idx], a.reduction).backward()
            opt.step()

        def test():
            net.eval()
            wrong, total = 0, 0.0
            with torch.no_grad():
                for lo in range(0, a.ntest, 1000):
                    out = net(xte[lo:lo + 1000])
                    total += float(loss_fn(out, yte[lo:lo + 1000], "sum"))
                    wrong += int((out.argmax(dim=1) != yte[lo:lo + 1000]).sum())
            return wrong / a.ntest

        perm = torch.randperm(a.ntrain)
        for i in range(20):
            step(perm[i * a.batch:(i + 1) * a.batch])
        test()
        t0 = time.perf_counter()
        perm = torch.randperm(a.ntrain)
        for lo in range(0, a.ntrain, a.batch):
            step(perm[lo:lo + a.batch])
        t1 = time.perf_counter()
        err = test()
        t2 = time.perf_counter()
        print(json.dumps({"threads": torch.get_num_threads(), "train_s": t1 - t0, "test_s": t2 - t1,
                          "test_error": err, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
