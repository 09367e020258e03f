"""MNIST handwritten digits, shipped inside glassnet so it works offline.

MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0).
The four IDX files are gzip-compressed as published; each is checked against its
SHA-256 before use.

IDX layout: see ``idx.py``. Images are ``(n, 28, 28)``, labels ``(n,)``, both
uint8 and writable, as Keras returns them (``np.random.shuffle(y_train)`` works).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..i18n import N_
from .idx import read_idx
from .splits import Split

DATA_DIR = Path(__file__).parent / "data" / "mnist"
FILES = {
    "train-images-idx3-ubyte.gz":
        "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",
    "train-labels-idx1-ubyte.gz":
        "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",
    "t10k-images-idx3-ubyte.gz":
        "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",
    "t10k-labels-idx1-ubyte.gz":
        "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",
}
FIX = N_("Reinstall glassnet, or pass load_data(path=...) to a good copy.")
RAW_SHA256 = {  # the same files ungzipped, so that load_data(path=...) checks those too
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def load_data(path: str | os.PathLike | None = None) -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, like Keras.

    Shapes: ``(60000, 28, 28)``, ``(60000,)``, ``(10000, 28, 28)``, ``(10000,)``;
    pixels 0 (background) to 255 (ink). ``path`` is a folder holding the four
    IDX files (``.gz`` or not); by default the copy inside glassnet is used. Every
    file, bundled or not, gzipped or not, is checked against MNIST's SHA-256.
    """
    folder = DATA_DIR if path is None else Path(path)
    arrays = []
    for name, sha in FILES.items():
        file = folder / name
        if path is not None and not file.exists() and (folder / name[:-3]).exists():
            file = folder / name[:-3]
        arrays.append(read_idx(file, sha if file.suffix == ".gz" else RAW_SHA256[file.name],
                               fix=FIX))
    x_train, y_train, x_test, y_test = arrays
    return (x_train, y_train), (x_test, y_test)
