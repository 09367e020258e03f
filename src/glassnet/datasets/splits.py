"""Shuffling and train/test splits, done as Keras's dataset loaders do them.

Keras shuffles with ``np.random.RandomState(seed)`` (not the global generator), so a
given ``seed`` gives the same order in Keras and in glassnet, on every machine.
"""

from __future__ import annotations

import numpy as np

from ..i18n import _

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""What every ``load_data`` returns: ``(x_train, y_train), (x_test, y_test)``."""


def check_test_split(test_split: float) -> None:
    if not 0 <= test_split < 1:
        raise ValueError(_("test_split must be in [0, 1), got {test_split}: it is the "
                           "fraction of the data kept for testing, e.g. 0.2.").format(
                               test_split=test_split))


def shuffle_together(rng: np.random.RandomState, x: np.ndarray, y: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` in the same random order (new arrays, so writable)."""
    indices = np.arange(len(x))
    rng.shuffle(indices)
    return x[indices], y[indices]


def split_index(n: int, test_split: float) -> int:
    """How many of ``n`` samples go to training: ``int(n * (1 - test_split))``, as Keras."""
    return int(n * (1 - test_split))


def shuffle_split(x: np.ndarray, y: np.ndarray, test_split: float, seed: int) -> Split:
    """Shuffle with ``seed``, then split: ``(x_train, y_train), (x_test, y_test)``."""
    check_test_split(test_split)
    x, y = shuffle_together(np.random.RandomState(seed), x, y)
    i = split_index(len(x), test_split)
    return (x[:i], y[:i]), (x[i:], y[i:])
