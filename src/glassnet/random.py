"""The random number generator behind weight initialisation, dropout and shuffling.

One NumPy ``Generator`` serves the whole library, so ``set_seed(42)`` makes a run
repeatable bit for bit on the same machine.
"""

from __future__ import annotations

import random as _pyrandom

import numpy as np

_rng: np.random.Generator | None = None  # made on first use: numpy.random takes ~6 ms to import


def rng() -> np.random.Generator:
    """The library's generator (seeded by ``set_seed``, else from the operating system)."""
    global _rng
    if _rng is None:
        _rng = np.random.default_rng()
    return _rng


def set_seed(seed: int) -> None:
    """Seed glassnet, NumPy's legacy global generator and Python's ``random``."""
    global _rng
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"The seed must be an integer, got {seed!r}.")
    _rng = np.random.default_rng(int(seed))
    np.random.seed(int(seed) % 2**32)
    _pyrandom.seed(int(seed))
