#!/usr/bin/env python3
"""Exports the torchvision models `seam convert` is tested on.

For each model this writes, into --out DIR:
  NAME.onnx      the ONNX export (torch.onnx.export, opset per model below)
  NAME.in0.npy   the fixed input (float32, seeded)
  NAME.out0.npy  PyTorch's output for that input (float32)
and a manifest.txt listing them. Weights are random (weights=None) but
seeded, and every BatchNorm gets random non-trivial running statistics and
affine parameters, exported un-fused (TrainingMode.PRESERVE on an eval-mode
model) so the converter's BatchNorm folding is really exercised.

Each model uses a different opset so the converter sees 9..17 (e.g.
MobileNet v2 at opset 10 carries Clip's min/max as attributes, LeNet at
opset 9 carries the Shape->Gather->Unsqueeze->Concat->Reshape chain of
x.view(x.size(0), -1) and a dynamic batch dimension).

Requires Debian's python3-torch / python3-torchvision (1.13 / 0.14). Fails
loudly (non-zero exit) if they are missing: tests that need these files
must not pass silently. Re-running is cheap: models whose files are present
and were written by the same script and torch version are skipped.

Usage: export_torchvision.py --out DIR [--models a,b,...] [--force]
"""

import argparse
import hashlib
import os
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torchvision
except ImportError as e:  # pragma: no cover - the point is to fail loudly
    sys.stderr.write(
        "export_torchvision.py: cannot import %s; install python3-torch, "
        "python3-torchvision and python3-numpy (Debian) to generate the "
        "torchvision test models\n" % e.name)
    sys.exit(2)

SEED = 20240601


class LeNet(nn.Module):
    """LeNet-5 (tanh), flattening with x.view(x.size(0), -1) as old code does."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool1(torch.tanh(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        x = torch.tanh(self.fc1(x))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


tv = torchvision.models

# name: (constructor, input shape, opset, dynamic batch)
MODELS = {
    "lenet": (LeNet, (1, 1, 28, 28), 9, True),
    "alexnet": (lambda: tv.alexnet(weights=None), (1, 3, 224, 224), 10, False),
    "vgg16": (lambda: tv.vgg16(weights=None), (1, 3, 224, 224), 11, False),
    "resnet18": (lambda: tv.resnet18(weights=None), (1, 3, 224, 224), 13, False),
    "resnet50": (lambda: tv.resnet50(weights=None), (1, 3, 224, 224), 14, False),
    "mobilenet_v2": (lambda: tv.mobilenet_v2(weights=None), (1, 3, 224, 224), 10, False),
    "densenet121": (lambda: tv.densenet121(weights=None), (1, 3, 224, 224), 12, False),
    "googlenet": (lambda: tv.googlenet(weights=None, aux_logits=False, init_weights=True),
                  (1, 3, 224, 224), 15, False),
    "squeezenet1_1": (lambda: tv.squeezenet1_1(weights=None), (1, 3, 224, 224), 17, False),
}


def randomize_batchnorm(model, generator):
    """Gives every BatchNorm statistics and affine parameters far from the
    identity, so a wrong fold shows up in the outputs."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=generator))
                m.bias.copy_(torch.empty(c).uniform_(-0.25, 0.25, generator=generator))
                m.running_mean.copy_(torch.empty(c).uniform_(-0.25, 0.25, generator=generator))
                m.running_var.copy_(torch.empty(c).uniform_(0.5, 1.5, generator=generator))


def stamp_text():
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()
    return "script %s torch %s torchvision %s\n" % (script, torch.__version__,
                                                     torchvision.__version__)


def export(name, out_dir):
    ctor, shape, opset, dynamic = MODELS[name]
    torch.manual_seed(SEED)
    model = ctor()
    gen = torch.Generator().manual_seed(SEED + 1)
    randomize_batchnorm(model, gen)
    model.eval()
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(SEED + 2))
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out_dir, name + ".onnx")
    kwargs = {}
    if dynamic:
        kwargs["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
    torch.onnx.export(model, x, path + ".tmp", opset_version=opset,
                      input_names=["input"], output_names=["logits"],
                      training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True, **kwargs)
    np.save(os.path.join(out_dir, name + ".in0.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, name + ".out0.npy"), y.numpy().astype(np.float32))
    os.replace(path + ".tmp", path)  # the .onnx last: its presence means complete
    return opset, shape


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--models", default=",".join(MODELS),
                        help="comma-separated subset (default: all)")
    parser.add_argument("--force", action="store_true", help="re-export even if up to date")
    args = parser.parse_args()
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in MODELS:
            parser.error("unknown model '%s' (known: %s)" % (n, ", ".join(MODELS)))
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    stamp = stamp_text()
    manifest = []
    for name in names:
        files = [name + ext for ext in (".onnx", ".in0.npy", ".out0.npy")]
        have = all(os.path.exists(os.path.join(args.out, f)) for f in files)
        stamp_path = os.path.join(args.out, name + ".stamp")
        old_stamp = open(stamp_path).read() if os.path.exists(stamp_path) else ""
        _, shape, opset, _ = MODELS[name]
        if have and old_stamp == stamp and not args.force:
            print("%-14s up to date" % name)
        else:
            start = time.time()
            export(name, args.out)
            with open(stamp_path, "w") as f:
                f.write(stamp)
            print("%-14s exported (opset %d) in %.1f s" % (name, opset, time.time() - start))
        manifest.append("%s opset=%d input=%s" % (name, opset, ",".join(map(str, shape))))
    with open(os.path.join(args.out, "manifest.txt"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
