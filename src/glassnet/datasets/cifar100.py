"""CIFAR-100: 60,000 32x32 colour images in 100 classes (20 superclasses), as Keras.

By Alex Krizhevsky, Vinod Nair and Geoffrey Hinton
(https://www.cs.toronto.edu/~kriz/cifar.html).
"""

from __future__ import annotations

import numpy as np

from ..i18n import _
from .cifar import batches_folder, channels_last, load_batch
from .splits import Split

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"  # SHA-256
DIRNAME = "cifar-100-python-target"


def load_data(label_mode: str = "fine") -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.cifar100``.

    ``label_mode="fine"``: labels 0-99; ``"coarse"``: the 20 superclasses 0-19.
    Shapes: ``(50000, 32, 32, 3)`` uint8, ``(50000, 1)``, ``(10000, 32, 32, 3)``,
    ``(10000, 1)``. The labels are int64, as Keras actually returns them (its docstring
    says uint8, but its code leaves CIFAR-100's labels as int64, unlike CIFAR-10's).
    The 161 MB archive is downloaded once into ``~/.keras/datasets`` and checked
    against Keras's SHA-256; its pickles are read without running code.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(_('label_mode must be "fine" or "coarse", got {label_mode!r}.').format(
                               label_mode=label_mode))
    folder = batches_folder(DIRNAME, ORIGIN, FILE_HASH, "cifar-100-python", ["train", "test"])
    (x_train, y_train), (x_test, y_test) = (
        load_batch(folder / name, label_key=f"{label_mode}_labels") for name in ("train", "test"))
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    return (channels_last(x_train), y_train), (channels_last(x_test), y_test)
