"""Checks `credit export` with NumPy: the npz's names, shapes and dtypes, and
that a forward pass computed here from the exported weights gives credit's
test error (on the whole MNIST test set, and says it on the first 1,000).

usage: python3 export-check.py RUN.npz RUN.csv RUN_DIR MNIST_DIR
"""
import csv
import gzip
import json
import sys

import numpy as np

npz, csv_path, run_dir, mnist = sys.argv[1:5]
z = np.load(npz)
net = json.loads(z["network.json"])
cfg = net["config"]
assert cfg["net"] == "784-50-20-10" and cfg["rule"] == "fa", cfg
want = {"W1": (50, 784), "b1": (50,), "W2": (20, 50), "b2": (20,), "W3": (10, 20), "b3": (10,),
        "F1": (20, 50), "F2": (10, 20)}
for name, shape in want.items():
    assert z[name].shape == shape and z[name].dtype == np.float32, (name, z[name].shape, z[name].dtype)
listed = [t["name"] for t in net["tensors"]]
assert sorted(listed) == sorted(k for k in z.files if k != "network.json"), (listed, z.files)


def idx(path):
    with gzip.open(path) as f:
        b = f.read()
    dims = b[3]
    shape = tuple(int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(b, np.uint8, offset=4 + 4 * dims).reshape(shape)


x = idx(mnist + "/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
labels = idx(mnist + "/t10k-labels-idx1-ubyte.gz")
act = {"sigmoid": lambda v: 1 / (1 + np.exp(-v)), "tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "linear": lambda v: v}
h = x
for i, layer in enumerate(net["layers"], 1):
    h = act[layer["activation"]](h @ z[f"W{i}"].T + z[f"b{i}"])
wrong = h.argmax(1) != labels
with open(run_dir + "/summary.json") as f:
    credit_err = json.load(f)["test_error"]
print(f"export-check: numpy test error {wrong.mean():.4f} on 10,000 images ({wrong[:1000].mean():.4f} on the first 1,000), credit's {credit_err:.4f}")
# float32 sums in another order may flip an example whose top two outputs tie to rounding.
assert abs(wrong.sum() - round(credit_err * len(labels))) <= 2, (wrong.sum(), credit_err)

rows = list(csv.DictReader(open(csv_path)))
epochs = cfg["epochs"] + 1
assert len(rows) == 2 * epochs and rows[-1]["layer"] == "2", (len(rows), rows[-1])
assert abs(float(rows[-1]["test_error"]) - credit_err) < 1e-12
print(f"export-check: {len(z.files) - 1} arrays with the expected names and shapes; the csv has {len(rows)} rows (epochs × hidden layers); ok")

# The README's snippet, run as written on this export (it needs pandas).
try:
    import pandas  # noqa: F401
except ImportError:
    print("export-check: the README's snippet skipped: no pandas (apt-get install python3-pandas)")
else:
    import os
    import re
    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md")).read()
    snippet = re.search(r"```python\n(import json, numpy.*?)```", readme, re.S).group(1)
    assert os.path.basename(npz) == "run.npz" and os.path.basename(csv_path) == "run.csv"
    os.chdir(os.path.dirname(npz))
    exec(compile(snippet, "README.md", "exec"), {})
    print("export-check: the README's snippet ran")
