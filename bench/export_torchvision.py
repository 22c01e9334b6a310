#!/usr/bin/python3
"""Export torchvision classifiers to ONNX (opset 13, 1x3x224x224, random
weights: speed does not depend on the values) for bench/run_speed_table.sh.

    export_torchvision.py OUT_DIR NAME [NAME ...]

Writes OUT_DIR/NAME.onnx for each NAME (a torchvision.models constructor:
mobilenet_v2, resnet18, ...); an existing file is kept, so a second run of
the benchmark does not export again. Files are written to a temporary name
and renamed, so an interrupted export never leaves a half file.
"""
import os
import sys

import torch
import torchvision


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: export_torchvision.py OUT_DIR NAME [NAME ...]")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    for name in sys.argv[2:]:
        path = os.path.join(out_dir, name + ".onnx")
        if os.path.exists(path):
            continue
        ctor = getattr(torchvision.models, name, None)
        if ctor is None:
            sys.exit("export_torchvision: torchvision.models has no %s" % name)
        net = ctor().eval()
        tmp = path + ".part"
        with torch.no_grad():
            torch.onnx.export(net, torch.randn(1, 3, 224, 224), tmp, opset_version=13,
                              input_names=["input"], output_names=["logits"])
        os.replace(tmp, path)
        print("exported %s" % path, file=sys.stderr)


if __name__ == "__main__":
    main()
