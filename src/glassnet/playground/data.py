"""The 2-D page's data: TensorFlow Playground's four data sets and its input features.

Each data set is a function ``(n, noise, seed) -> (points, labels)``: ``points`` is
``(n, 2)`` in roughly ``[-6, 6]²``, ``labels`` is ``(n,)`` with 1 for the blue class and 0
for the orange one, in a shuffled order (so the first ``n_train`` make the training set).
They follow TensorFlow Playground's ``dataset.ts``; the page shows a function's own source
in the Keras program beside it, so each one is written to be read there.
"""

from __future__ import annotations

import numpy as np

DATASETS = ("circle", "xor", "gauss", "spiral")

#: name -> (label on the page, NumPy expression of ``x1`` and ``x2``). The same expressions
#: make the ``features`` function of the program the page shows.
FEATURES: dict[str, tuple[str, str]] = {
    "x1": ("x₁", "x1"),
    "x2": ("x₂", "x2"),
    "x1^2": ("x₁²", "x1 ** 2"),
    "x2^2": ("x₂²", "x2 ** 2"),
    "x1x2": ("x₁x₂", "x1 * x2"),
    "sin_x1": ("sin x₁", "np.sin(x1)"),
    "sin_x2": ("sin x₂", "np.sin(x2)"),
}

_FEATURE_FUNCTIONS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 ** 2,
    "x2^2": lambda x1, x2: x2 ** 2,
    "x1x2": lambda x1, x2: x1 * x2,
    "sin_x1": lambda x1, x2: np.sin(x1),
    "sin_x2": lambda x1, x2: np.sin(x2),
}


def features(points: np.ndarray, names: list[str]) -> np.ndarray:
    """The network's inputs: one column per feature in ``names``, as float32."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([_FEATURE_FUNCTIONS[f](x1, x2) for f in names], axis=1).astype(np.float32)


def features_source(names: list[str]) -> str:
    """Python source of a ``features(points)`` function computing ``names``' columns."""
    columns = ", ".join(FEATURES[f][1] for f in names)
    return ("def features(points):\n"
            "    x1, x2 = points[:, 0], points[:, 1]\n"
            f"    return np.stack([{columns}], axis=1).astype(\"float32\")\n")


def circle(n, noise, seed=0):
    """Blue points inside radius 2.5, orange ones in the ring from 3.5 to 5."""
    rng = np.random.default_rng(seed)
    r = np.concatenate([rng.uniform(0, 2.5, n // 2), rng.uniform(3.5, 5, n - n // 2)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-5, 5, (n, 2)) * noise  # noise moves the label's point, not the dot
    labels = (np.linalg.norm(points + jitter, axis=1) < 2.5).astype("float32")
    order = rng.permutation(n)
    return points[order], labels[order]


def xor(n, noise, seed=0):
    """Blue where x1 and x2 have the same sign, orange where they differ."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)  # a small gap along the axes
    jitter = rng.uniform(-5, 5, (n, 2)) * noise
    labels = ((points + jitter).prod(axis=1) >= 0).astype("float32")
    return points, labels


def gauss(n, noise, seed=0):
    """Two Gaussian clouds around (2, 2) (blue) and (-2, -2) (orange); noise spreads them."""
    rng = np.random.default_rng(seed)
    std = np.sqrt(0.5 + 3.5 * noise / 0.5)  # variance from 0.5 to 4 as noise goes 0 to 0.5
    labels = (np.arange(n) < n // 2).astype("float32")
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    points = centres + rng.normal(0, std, (n, 2))
    order = rng.permutation(n)
    return points[order], labels[order]


def spiral(n, noise, seed=0):
    """Two interleaved spirals, blue and orange, each turning 1.75 times."""
    rng = np.random.default_rng(seed)
    i = np.arange(n) % (n // 2 or 1) / max(n // 2, 1)  # 0 .. 1 along each arm
    labels = (np.arange(n) < n // 2).astype("float32")
    r = 5 * i
    t = 1.75 * 2 * np.pi * i + np.where(labels == 1, 0, np.pi)
    points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    points += rng.uniform(-1, 1, (n, 2)) * noise
    order = rng.permutation(n)
    return points[order], labels[order]


GENERATORS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral}


def make(dataset: str, n: int, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``GENERATORS[dataset](n, noise, seed)``: float64 points (as the program computes its
    features from them) and float32 labels."""
    points, labels = GENERATORS[dataset](n, noise, seed)
    return points, labels.astype(np.float32)


def grid(size: int, lo: float = -6.0, hi: float = 6.0) -> np.ndarray:
    """``size × size`` points covering ``[lo, hi]²``, row by row from the top (x2 = hi)
    to the bottom, as the heat map draws them: shape ``(size * size, 2)``."""
    step = (hi - lo) / size
    centres = lo + step * (np.arange(size) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1).astype(np.float32)
