"""California Housing: 20,640 districts of the 1990 US census, 8 features, as Keras.

Features: median income, house age, average rooms, average bedrooms, population,
average occupancy, latitude, longitude; target: median house value in dollars.
From the StatLib repository (Luis Torgo's copy).
"""

from __future__ import annotations

import numpy as np

from ..downloads import get_file
from ..i18n import _
from .splits import Split, check_test_split, shuffle_split

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"  # SHA-256
SMALL = 600  # the "small" version: the first 600 districts, a stand-in for Boston Housing


def load_data(version: str = "large", path: str = "california_housing.npz",
              test_split: float = 0.2, seed: int = 113) -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.california_housing``.

    ``version="large"``: all 20,640 samples (16,512 train, 4,128 test by default);
    ``"small"``: the first 600 (480 and 120). ``x``: ``(n, 8)``; ``y``: ``(n,)``, prices
    in dollars (about 15,000 to 500,000); dtypes as stored in Keras's file. Shuffled with
    ``np.random.RandomState(seed)`` as Keras does. Downloaded once into
    ``~/.keras/datasets``, checked against Keras's SHA-256, read with pickles off.
    """
    check_test_split(test_split)
    if version not in ("large", "small"):
        raise ValueError(_('version must be "large" or "small", got {version!r}.').format(
                               version=version))
    file = get_file(path, origin=ORIGIN_FOLDER + "california_housing.npz", file_hash=FILE_HASH)
    with np.load(file, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:SMALL], y[:SMALL]
    return shuffle_split(x, y, test_split, seed)
