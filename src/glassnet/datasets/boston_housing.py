"""Boston Housing: 506 districts, 13 features, median house prices in k$ (as Keras).

From the StatLib library (Carnegie Mellon University). Keras warns, and so do we:
one of its features ("B") encodes an assumption about race and house prices, so it is
best kept for teaching about ethics in data; ``california_housing`` is the alternative.
"""

from __future__ import annotations

import numpy as np

from ..downloads import get_file
from .splits import Split, check_test_split, shuffle_split

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"  # SHA-256


def load_data(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.boston_housing``.

    ``x``: float64 ``(n, 13)``; ``y``: float64 ``(n,)``, prices in thousands of dollars
    (about 5 to 50). With the defaults, 404 training and 102 test samples, shuffled with
    ``np.random.RandomState(seed)`` as Keras does, so the split is Keras's split.
    ``path`` is the file's name in ``~/.keras/datasets``. The file is downloaded once
    and checked against Keras's SHA-256; it is read with pickles off.
    """
    check_test_split(test_split)
    file = get_file(path, origin=ORIGIN_FOLDER + "boston_housing.npz", file_hash=FILE_HASH)
    with np.load(file, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffle_split(x, y, test_split, seed)
