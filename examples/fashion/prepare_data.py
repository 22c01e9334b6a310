#!/usr/bin/python3
"""Write the demo's data sets as .npy from Debian's dataset-fashion-mnist.

  OUT/calib.npy        N training images [N,28,28,1] float32 in 0..1 (representative set)
  OUT/test.npy         the 10,000 test images, same layout
  OUT/test_labels.npy  their labels, int32 [10000]
Usage: prepare_data.py OUT_DIR [--calib N]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fmnist  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--calib", type=int, default=300)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    xtr, _ = fmnist.load("train")
    xte, yte = fmnist.load("t10k")
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(len(xtr), size=args.calib, replace=False))
    np.save(os.path.join(args.out, "calib.npy"), (xtr[pick].astype(np.float32) / 255.0)[..., None])
    np.save(os.path.join(args.out, "test.npy"), (xte.astype(np.float32) / 255.0)[..., None])
    np.save(os.path.join(args.out, "test_labels.npy"), yte.astype(np.int32))


if __name__ == "__main__":
    main()
