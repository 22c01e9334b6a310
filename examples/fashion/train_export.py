#!/usr/bin/python3
"""Train the README demo model and export it: a small CNN on Fashion-MNIST.

Uses only Debian packages: python3-torch and dataset-fashion-mnist. Seeded,
so a rerun gives the same weights on the same machine (torch's CPU kernels
may differ in the last bits across machines). Writes, next to this script:
  fashion_cnn.tflite  float32 TFLite model (NHWC input [1,28,28,1], values 0..1)
  fashion_cnn.onnx    the same network as ONNX (NCHW input), for the ONNX route
  fashion_cnn.json    torch's own test accuracy, for the demo and its test
Run: /usr/bin/python3 examples/fashion/train_export.py [--epochs 3]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fmnist  # noqa: E402
from tflite_min_writer import Model  # noqa: E402


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(7 * 7 * 32, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.softmax(self.fc2(x), dim=1)


def to_tflite(net):
    m = Model()
    sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    x = m.tensor("input", [1, 28, 28, 1])
    m.inputs = [x]

    def conv(inp, name, w, b, shape_out):
        wt = m.tensor(name + "/weights", w.shape[:1] + w.shape[2:] + w.shape[1:2], np.transpose(w, (0, 2, 3, 1)))
        bt = m.tensor(name + "/bias", b.shape, b)
        out = m.tensor(name + "/relu", shape_out)
        m.op("CONV_2D", [inp, wt, bt], [out], padding="SAME", act="RELU")
        return out

    c1 = conv(x, "conv1", sd["conv1.weight"], sd["conv1.bias"], [1, 28, 28, 16])
    p1 = m.tensor("pool1", [1, 14, 14, 16])
    m.op("MAX_POOL_2D", [c1], [p1], padding="VALID", stride=2, filter=2)
    c2 = conv(p1, "conv2", sd["conv2.weight"], sd["conv2.bias"], [1, 14, 14, 32])
    p2 = m.tensor("pool2", [1, 7, 7, 32])
    m.op("MAX_POOL_2D", [c2], [p2], padding="VALID", stride=2, filter=2)
    shape = m.tensor("flatten/shape", [2], np.array([1, 7 * 7 * 32]), dtype=np.int32)
    flat = m.tensor("flatten", [1, 7 * 7 * 32])
    m.op("RESHAPE", [p2, shape], [flat], new_shape=[1, 7 * 7 * 32])
    # torch flattens C,H,W; the NHWC tensor flattens H,W,C: reorder fc1's columns.
    w1 = sd["fc1.weight"].reshape(32, 32, 7, 7).transpose(0, 2, 3, 1).reshape(32, -1)
    f1w, f1b = m.tensor("fc1/weights", w1.shape, w1), m.tensor("fc1/bias", [32], sd["fc1.bias"])
    f1 = m.tensor("fc1/relu", [1, 32])
    m.op("FULLY_CONNECTED", [flat, f1w, f1b], [f1], act="RELU")
    f2w, f2b = m.tensor("fc2/weights", [10, 32], sd["fc2.weight"]), m.tensor("fc2/bias", [10], sd["fc2.bias"])
    logits = m.tensor("logits", [1, 10])
    m.op("FULLY_CONNECTED", [f1, f2w, f2b], [logits])
    probs = m.tensor("probabilities", [1, 10])
    m.op("SOFTMAX", [logits], [probs])
    m.outputs = [probs]
    return m.serialize("npuquant demo: Fashion-MNIST CNN trained by examples/fashion/train_export.py")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    xtr, ytr = fmnist.load("train")
    xte, yte = fmnist.load("t10k")
    xtr = torch.from_numpy(xtr.astype(np.float32)[:, None] / 255.0)
    xte = torch.from_numpy(xte.astype(np.float32)[:, None] / 255.0)
    ytr, yte = torch.from_numpy(ytr.astype(np.int64)), torch.from_numpy(yte.astype(np.int64))
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            probs = net(xtr[idx])
            loss = F.nll_loss(torch.log(probs + 1e-12), ytr[idx])
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch + 1}: test accuracy {acc:.4f}", flush=True)
    with open(os.path.join(args.out, "fashion_cnn.tflite"), "wb") as f:
        f.write(to_tflite(net))
    torch.onnx.export(net, torch.zeros(1, 1, 28, 28), os.path.join(args.out, "fashion_cnn.onnx"),
                      input_names=["input"], output_names=["probabilities"], opset_version=13)
    with open(os.path.join(args.out, "fashion_cnn.json"), "w") as f:
        json.dump({"torch_test_accuracy": round(acc, 4), "epochs": args.epochs,
                   "input": "[1,28,28,1] float32, pixel/255", "classes": fmnist.CLASSES}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
