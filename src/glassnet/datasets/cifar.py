"""What CIFAR-10 and CIFAR-100 share: their download, and their pickled batches.

Both archives (by Alex Krizhevsky, Vinod Nair and Geoffrey Hinton, University of
Toronto) unpack into a folder of batches. A batch is a Python 2 pickle of a dict:
``b"data"``, a uint8 array of shape ``(n, 3072)`` (each row the 1,024 red, then green,
then blue pixels of a 32x32 image, row by row), and a list of labels under
``b"labels"`` (CIFAR-10) or ``b"fine_labels"``/``b"coarse_labels"`` (CIFAR-100).
Batches are read with :mod:`.safe_pickle`, which rebuilds arrays but never runs code.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..downloads import cache_folder, get_file
from ..errors import DataFileError
from ..i18n import _
from .safe_pickle import load_pickle


def load_batch(fpath: str | os.PathLike, label_key: str = "labels"
               ) -> tuple[np.ndarray, list[int]]:
    """One batch as ``(data, labels)``: data uint8 ``(n, 3, 32, 32)``, labels a list of ints."""
    with open(fpath, "rb") as f:
        batch = load_pickle(f, encoding="bytes")
    if not isinstance(batch, dict):
        raise DataFileError(_("{fpath} is not a CIFAR batch (it holds a {kind}, not a "
                              "dict). Delete it and load again.").format(
                                  fpath=fpath, kind=type(batch).__name__))
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3 * 32 * 32 and isinstance(labels, list)
            and len(labels) == len(data)):
        raise DataFileError(_("{fpath} is not a CIFAR batch with {label_key!r}: it needs "
                              "a uint8 'data' array of shape (n, 3072) and n labels. "
                              "Delete the cached folder and load again.").format(
                                  fpath=fpath, label_key=label_key))
    return data.reshape(len(data), 3, 32, 32), labels


def batches_folder(dirname: str, origin: str, file_hash: str, inner: str,
                   files: list[str]) -> Path:
    """The folder of batches: downloaded and unpacked once, as Keras 3 does.

    Keras 3 stores the archive as ``~/.keras/datasets/<dirname>_archive`` and unpacks it
    into ``<dirname>/<inner>``. Keras 2 (tf.keras) unpacked it into ``datasets/<inner>``:
    a complete folder left there is used too, so nothing is downloaded twice.
    """
    keras2 = cache_folder() / inner
    if (not (cache_folder() / f"{dirname}_archive").exists()
            and all((keras2 / name).is_file() for name in files)):
        return keras2
    return Path(get_file(fname=dirname, origin=origin, extract=True, file_hash=file_hash)) / inner


def channels_last(x: np.ndarray) -> np.ndarray:
    """``(n, 3, 32, 32)`` to ``(n, 32, 32, 3)``, as Keras returns images (a view, as Keras)."""
    return x.transpose(0, 2, 3, 1)
