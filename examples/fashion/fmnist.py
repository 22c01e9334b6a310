"""Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX files), as numpy arrays."""
import gzip
import os

import numpy as np

DATASET_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _read_idx(name):
    path = os.path.join(DATASET_DIR, name)
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing: install Debian's dataset-fashion-mnist (scripts/setup.sh does)")
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return arr.reshape(dims)


def load(split):
    """Images as uint8 [N, 28, 28] and labels as uint8 [N]; split is 'train' or 't10k'."""
    return _read_idx(f"{split}-images-idx3-ubyte.gz"), _read_idx(f"{split}-labels-idx1-ubyte.gz")
