"""Load MNIST from its four gzip-compressed IDX files, with no download.

Returns uint8 arrays shaped like ``tf.keras.datasets.mnist.load_data()``:
``(x_train (60000, 28, 28), y_train (60000,)), (x_test (10000, 28, 28), y_test (10000,))``.
An IDX image file has a 16-byte header (magic, count, rows, cols), a label file an 8-byte one.
"""

import gzip
import os
from pathlib import Path

import numpy as np

_REPO = Path(__file__).resolve().parents[2]
_DIRS = [
    os.environ.get("MNIST_DIR", ""),
    _REPO / "src" / "glassnet" / "datasets" / "data" / "mnist",  # bundled with glassnet
    _REPO / "src" / "glassnet" / "datasets" / "data",
    _REPO.parent / "shared" / "data" / "mnist",
]


def _find(name):
    for d in _DIRS:
        if d and (Path(d) / name).is_file():
            return Path(d) / name
    raise FileNotFoundError(f"{name} not found in any of {[str(d) for d in _DIRS if d]}")


def _read(name, offset):
    with gzip.open(_find(name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def load_data():
    x_train = _read("train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y_train = _read("train-labels-idx1-ubyte.gz", 8)
    x_test = _read("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    y_test = _read("t10k-labels-idx1-ubyte.gz", 8)
    return (x_train, y_train), (x_test, y_test)
