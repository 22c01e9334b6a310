#!/usr/bin/python3
"""Four small Fashion-MNIST networks of different kinds, trained and exported
to ONNX, for the held-out accuracy test of the default recipe (issue 11: "the
held-out Fashion-MNIST style ONNX nets lose no more than 0.5 points").

  cnn_bn    two 3x3 convolutions, each with BatchNorm and ReLU, max pooling, FC
  dwsep     depthwise-separable blocks (ReLU6), global average pool, FC
  residual  residual blocks (ADD of two branches, a strided 1x1 projection),
            global average pool, FC
  mlp       FC, GELU, FC, sigmoid, FC

Each ends in logits (no softmax). Uses only Debian packages (python3-torch,
dataset-fashion-mnist). Seeded, one thread: a rerun gives the same weights on
the same machine. Writes OUT/NAME.onnx (input "input" [batch, 1, 28, 28]
float32, pixel/255, batch dynamic) and OUT/nets.json (torch's own test accuracy
and the training time of each).
Run: /usr/bin/python3 examples/fashion/heldout_nets.py OUT_DIR [--epochs 3] [--nets a,b]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fmnist  # noqa: E402


def conv_bn(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout))


class CnnBn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = conv_bn(1, 16), conv_bn(16, 32)
        self.fc = nn.Linear(7 * 7 * 32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class DwSep(nn.Module):
    def __init__(self):
        super().__init__()
        layers = [conv_bn(1, 16, stride=2), nn.ReLU6()]
        for cin, cout, stride in ((16, 32, 1), (32, 64, 2), (64, 64, 1)):
            layers += [conv_bn(cin, cin, 3, stride, groups=cin), nn.ReLU6(), conv_bn(cin, cout, 1), nn.ReLU6()]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        return self.fc(torch.mean(self.body(x), dim=(2, 3)))


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a, self.b = conv_bn(cin, cout, 3, stride), conv_bn(cout, cout)
        self.skip = conv_bn(cin, cout, 1, stride) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.b(F.relu(self.a(x))) + self.skip(x))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 16, stride=2)
        self.blocks = nn.Sequential(Block(16, 16, 1), Block(16, 32, 2))
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.blocks(F.relu(self.stem(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.f1, self.f2, self.f3 = nn.Linear(784, 64), nn.Linear(64, 32), nn.Linear(32, 10)

    def forward(self, x):
        x = F.gelu(self.f1(torch.flatten(x, 1)))
        return self.f3(torch.sigmoid(self.f2(x)))


NETS = {"cnn_bn": CnnBn, "dwsep": DwSep, "residual": Residual, "mlp": Mlp}


def images(split):
    """Fashion-MNIST as float32 [N, 1, 28, 28] in 0..1 and int64 labels [N]."""
    x, y = fmnist.load(split)
    return x.astype(np.float32)[:, None] / 255.0, y.astype(np.int64)


def train(name, xtr, ytr, epochs, seed=0):
    torch.manual_seed(seed)
    net = NETS[name]()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    x, y = torch.from_numpy(xtr), torch.from_numpy(ytr)
    for _ in range(epochs):
        net.train()
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    return net.eval()


def accuracy(net, x, y):
    with torch.no_grad():
        return float((net(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def export(net, path):
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), path, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=13)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--nets", default=",".join(NETS))
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    xtr, ytr = images("train")
    xte, yte = images("t10k")
    facts = {}
    for name in args.nets.split(","):
        if name not in NETS:
            raise SystemExit(f"unknown net '{name}': one of {', '.join(NETS)}")
        t0 = time.time()
        net = train(name, xtr, ytr, args.epochs)
        export(net, os.path.join(args.out, name + ".onnx"))
        facts[name] = {"torch_test_accuracy": round(accuracy(net, xte, yte), 4),
                       "train_seconds": round(time.time() - t0, 1), "epochs": args.epochs}
        print(f"{name}: {facts[name]}", flush=True)
    with open(os.path.join(args.out, "nets.json"), "w") as f:
        json.dump(facts, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
