"""CIFAR-10: 60,000 32x32 colour images in 10 classes, downloaded as Keras does.

Classes: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse,
8 ship, 9 truck. By Alex Krizhevsky, Vinod Nair and Geoffrey Hinton
(https://www.cs.toronto.edu/~kriz/cifar.html).
"""

from __future__ import annotations

import numpy as np

from .cifar import batches_folder, channels_last, load_batch
from .splits import Split

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"  # SHA-256
DIRNAME = "cifar-10-batches-py-target"
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]


def load_data() -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.cifar10``.

    Shapes and dtypes: ``(50000, 32, 32, 3)`` uint8 (pixels 0-255, channels last),
    ``(50000, 1)`` uint8 labels 0-9, ``(10000, 32, 32, 3)``, ``(10000, 1)``. The
    163 MB archive is downloaded once from the University of Toronto into
    ``~/.keras/datasets`` and checked against the SHA-256 Keras publishes. Its
    batches are Python pickles, read without running any code (see ``safe_pickle.py``).
    """
    folder = batches_folder(DIRNAME, ORIGIN, FILE_HASH, "cifar-10-batches-py",
                            [*TRAIN_BATCHES, "test_batch"])
    train = [load_batch(folder / name) for name in TRAIN_BATCHES]
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train]).astype(np.uint8).reshape(-1, 1)
    x_test, y_test = load_batch(folder / "test_batch")
    y_test = np.asarray(y_test, np.uint8).reshape(-1, 1)
    return (channels_last(x_train), y_train), (channels_last(x_test), y_test)
