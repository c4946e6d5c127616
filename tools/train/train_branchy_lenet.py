#!/usr/bin/python3
"""Trains the zoo's branchy (multi-exit) LeNet on scikit-learn's 8x8 digits.

The model is BranchyNet-style (Teerapittayanon et al., ICPR 2016): one LeNet
trunk with two early exits, trained jointly with a weighted sum of the exits'
losses. Edgent (Li et al., MECOMM'18) picks an exit by its accuracy, so the
point of training on real data is that each exit's accuracy is measured, not
made up.

Data: sklearn.datasets.load_digits (1,797 8x8 grey images, values 0..16,
shipped inside Debian's python3-sklearn, so nothing is downloaded). Pixels are
divided by 16, which maps them onto [0, 1] exactly in float32.

Outputs (paths relative to the repository root, overridable with --out-dir):
  models/data/branchy_lenet_digits.bin   every parameter as little-endian
      float32, tensors back to back in the order of the JSON's "tensors" list
      (PyTorch's state_dict order), each in PyTorch's own layout (conv OIHW,
      linear [out, in]); no header, so the file size is 4 x the float count.
  models/data/branchy_lenet_digits.json  architecture, that tensor list with
      offsets, per-exit test accuracy, split sizes, seed, versions, and a few
      test inputs with PyTorch's per-exit outputs (checked by
      tests/zoo/branchy_lenet_test.cc).

models/CMakeLists.txt compiles both files into seam_zoo, so a retrain only
needs a rebuild. Run from anywhere:
  /usr/bin/python3 tools/train/train_branchy_lenet.py
It is deterministic (fixed seeds, one thread, deterministic algorithms): the
same torch build gives a byte-identical .bin, and a JSON that differs only in
training.seconds. It needs python3-torch and python3-sklearn (Debian), hence
/usr/bin/python3 rather than a python3 that lacks them. It takes ~20 s on
one core.
"""

import argparse
import collections
import json
import os
import platform
import sys
import time

import numpy as np
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

SEED = 20240607
TEST_FRACTION = 0.2
EPOCHS = 60
BATCH_SIZE = 32
LEARNING_RATE = 2e-3
# BranchyNet's joint loss: sum_n w_n * CE(exit_n). The main exit gets the
# largest weight so the early branches do not pull the shared trunk towards
# features that only suit a linear head.
EXIT_LOSS_WEIGHTS = (0.5, 0.5, 1.0)
EXIT_NAMES = ("exit1", "exit2", "exit3")
NUM_TEST_VECTORS = 6

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class BranchyLeNet(nn.Module):
    """LeNet trunk on 1x8x8 with exits after each conv block.

    Module names are the node names of models/branchy_lenet.cc.
      conv1 3x3 pad 1 (1->6) relu1                  -> 6x8x8
        exit1: flatten, fc 384->10, softmax
      conv2 3x3 pad 1 (6->16) relu2 pool2 2x2       -> 16x4x4
        exit2: flatten, fc 256->10, softmax
      flatten, fc1 256->64 relu3, fc2 64->32 relu4, fc3 32->10, softmax (exit3)
    The head is LeNet's fc-relu-fc-relu-fc, narrowed to fit 8x8 inputs.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.exit1 = nn.Sequential(
            collections.OrderedDict(flatten=nn.Flatten(), fc=nn.Linear(6 * 8 * 8, 10))
        )
        self.conv2 = nn.Conv2d(6, 16, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2, 2)
        self.exit2 = nn.Sequential(
            collections.OrderedDict(flatten=nn.Flatten(), fc=nn.Linear(16 * 4 * 4, 10))
        )
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(64, 32)
        self.relu4 = nn.ReLU()
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        """Returns the logits of every exit, shallowest first (no softmax:
        training uses cross-entropy on logits; softmax is applied at export)."""
        x = self.relu1(self.conv1(x))
        logits1 = self.exit1(x)
        x = self.pool2(self.relu2(self.conv2(x)))
        logits2 = self.exit2(x)
        x = self.relu3(self.fc1(self.flatten(x)))
        x = self.relu4(self.fc2(x))
        return logits1, logits2, self.fc3(x)


def load_split(seed):
    digits = load_digits()
    x = (digits.data.astype(np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    # Stratified, so every class is in the test set in its data-set proportion.
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=TEST_FRACTION, stratify=y, random_state=seed
    )
    return x_train, x_test, y_train, y_test


def evaluate(model, x, y):
    """Per-exit top-1 accuracy (fraction) and correct counts."""
    model.eval()
    with torch.no_grad():
        outs = model(torch.from_numpy(x))
    target = torch.from_numpy(y)
    correct = [int((o.argmax(dim=1) == target).sum()) for o in outs]
    return [c / len(y) for c in correct], correct


def pick_test_vectors(model, x_test, y_test, count):
    """A few test images, preferring ones where the exits disagree (so the C++
    test sees different argmaxes per exit), then the first of each class."""
    model.eval()
    with torch.no_grad():
        preds = [o.argmax(dim=1).numpy() for o in model(torch.from_numpy(x_test))]
    disagree = [i for i in range(len(y_test)) if len({int(p[i]) for p in preds}) > 1]
    chosen = disagree[: count // 2]
    for label in range(10):
        if len(chosen) >= count:
            break
        first = int(np.nonzero(y_test == label)[0][0])
        if first not in chosen:
            chosen.append(first)
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out-dir", default=os.path.join(REPO_ROOT, "models", "data"), help="output folder"
    )
    args = parser.parse_args()

    start = time.monotonic()
    # Determinism: one thread (reduction order fixed), deterministic kernels,
    # every RNG seeded. Shuffling uses its own generator so nothing else can
    # consume its stream.
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(SEED)
    np.random.seed(SEED)

    x_train, x_test, y_train, y_test = load_split(SEED)
    model = BranchyLeNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    shuffle = torch.Generator().manual_seed(SEED)
    xt, yt = torch.from_numpy(x_train), torch.from_numpy(y_train)

    for epoch in range(EPOCHS):
        model.train()
        order = torch.randperm(len(yt), generator=shuffle)
        total = 0.0
        for begin in range(0, len(order), BATCH_SIZE):
            idx = order[begin : begin + BATCH_SIZE]
            outs = model(xt[idx])
            loss = sum(w * loss_fn(o, yt[idx]) for w, o in zip(EXIT_LOSS_WEIGHTS, outs))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss) * len(idx)
        scheduler.step()
        if (epoch + 1) % 10 == 0:
            acc, _ = evaluate(model, x_test, y_test)
            print(
                f"epoch {epoch + 1:3d}  loss {total / len(yt):.4f}  test acc "
                + " ".join(f"{a:.4f}" for a in acc)
            )

    accuracy, correct = evaluate(model, x_test, y_test)
    train_seconds = time.monotonic() - start
    # Edgent assumes a deeper exit is a more accurate one; refuse to export a
    # model that breaks that, rather than ship misleading metadata.
    if not all(a < b for a, b in zip(accuracy, accuracy[1:])):
        sys.exit(f"exit accuracies {accuracy} are not strictly increasing; retune the model")

    # Weights: state_dict order, each tensor flattened in PyTorch's layout.
    tensors, blobs, offset = [], [], 0
    for name, value in model.state_dict().items():
        array = value.detach().numpy().astype("<f4")
        tensors.append(
            {"name": name, "shape": list(array.shape), "offset": offset, "count": int(array.size)}
        )
        blobs.append(array.tobytes(order="C"))
        offset += int(array.size)
    params = offset

    # Test vectors: PyTorch's softmax of every exit, in float32.
    chosen = pick_test_vectors(model, x_test, y_test, NUM_TEST_VECTORS)
    model.eval()
    with torch.no_grad():
        outs = model(torch.from_numpy(x_test[chosen]))
        probs = [torch.softmax(o, dim=1).numpy() for o in outs]
    vectors = []
    for row, i in enumerate(chosen):
        vectors.append(
            {
                "test_index": i,
                "label": int(y_test[i]),
                # k/16 values: exact in float32 and in short decimal.
                "input": [float(v) for v in x_test[i].reshape(-1)],
                "exits": {
                    n: {
                        "probabilities": [float(v) for v in probs[e][row]],
                        "predicted": int(probs[e][row].argmax()),
                    }
                    for e, n in enumerate(EXIT_NAMES)
                },
            }
        )

    meta = {
        "model": "branchy_lenet",
        "dataset": "sklearn.datasets.load_digits (8x8 handwritten digits, UCI optdigits test set)",
        "preprocessing": "pixels / 16 -> [0, 1], float32, NCHW [1,1,8,8]",
        "input_shape": [1, 1, 8, 8],
        "architecture": [
            "conv1: Conv2d(1, 6, 3x3, pad 1) -> relu1",
            "exit1: flatten -> fc Linear(384, 10) -> softmax",
            "conv2: Conv2d(6, 16, 3x3, pad 1) -> relu2 -> pool2 MaxPool2d(2, 2)",
            "exit2: flatten -> fc Linear(256, 10) -> softmax",
            "exit3: flatten -> fc1 Linear(256, 64) -> relu3 -> fc2 Linear(64, 32) -> relu4 "
            "-> fc3 Linear(32, 10) -> softmax (graph output)",
        ],
        "weights_file": "branchy_lenet_digits.bin",
        "weights_format": "little-endian float32, tensors back to back in 'tensors' order, "
        "PyTorch layouts (conv OIHW, linear [out, in]), no header",
        "parameters": params,
        "tensors": tensors,
        "exits": [
            {"name": n, "test_accuracy": accuracy[e], "test_correct": correct[e]}
            for e, n in enumerate(EXIT_NAMES)
        ],
        "train_samples": int(len(y_train)),
        "test_samples": int(len(y_test)),
        "split": f"stratified train_test_split(test_size={TEST_FRACTION}, random_state=seed)",
        "seed": SEED,
        "training": {
            "optimizer": f"Adam(lr={LEARNING_RATE}), cosine annealing over {EPOCHS} epochs",
            "batch_size": BATCH_SIZE,
            "epochs": EPOCHS,
            "loss": "sum_n w_n * CrossEntropy(exit_n logits), w = "
            + str(list(EXIT_LOSS_WEIGHTS)),
            "seconds": round(train_seconds, 2),
        },
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "python": platform.python_version(),
        },
        "test_vectors": vectors,
    }

    os.makedirs(args.out_dir, exist_ok=True)
    bin_path = os.path.join(args.out_dir, "branchy_lenet_digits.bin")
    json_path = os.path.join(args.out_dir, "branchy_lenet_digits.json")
    with open(bin_path, "wb") as f:
        f.write(b"".join(blobs))
    with open(json_path, "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"parameters {params}, exit accuracies {accuracy} ({correct} of {len(y_test)})")
    print(f"wrote {bin_path} ({4 * params} bytes) and {json_path} in {train_seconds:.1f} s")


if __name__ == "__main__":
    main()
