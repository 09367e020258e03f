"""Printed digits, for ``glassnet train --augment``: glassnet's own data (Keras has none).

The digits 0-9 in 39 fonts (DejaVu, Liberation and WenQuanYi, regular, bold, italic,
condensed, mono and serif), each prepared as MNIST's digits were: white on black, scaled
into 20x20 and centred by its centre of mass in 28x28. Made by
``tools/make_font_digits.py`` through ``imaging.prepare_digit``.

MNIST's writers were American; many people elsewhere write a 1 with a flag and a foot, a
4 closed at the top, a 9 whose tail curls to the left, as these fonts print them. Mixed
into MNIST's training images (and warped by ``architectures.augmentation()`` like them),
they teach a network those shapes too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FILE = Path(__file__).parent / "data" / "font_digits.npz"


def load_data() -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x, y)``: ``(390, 28, 28)`` uint8 images (0 background, 255 ink) and their
    ``(390,)`` uint8 labels, ten digits per font."""
    with np.load(FILE, allow_pickle=False) as data:
        return data["x"].copy(), data["y"].copy()


def mixed_with(x: np.ndarray, y: np.ndarray, share: float = 1 / 6,
               rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` with printed digits added, about ``share`` of the result: as many whole
    copies of the 390 as come nearest (31 for MNIST's 60,000 images), or, for fewer than
    about 1,000 images, that share of them (each digit in turn). Scaled like ``x``
    (pixels in ``[0, 1]`` when ``x.max() <= 1``) and of its dtype and sample shape, the
    whole shuffled by ``rng`` (a fixed generator when None)."""
    fx, fy = load_data()
    fx = fx.reshape(len(fx), *x.shape[1:])  # e.g. (n, 784) for data shaped so
    count = round(len(x) * share / (1 - share))
    copies = round(count / len(fx))
    scale = 1 / 255 if x.max() <= 1 else 1
    printed = (fx * np.asarray(scale, x.dtype)).astype(x.dtype)
    if copies >= 1:
        printed, labels = np.tile(printed, (copies,) + (1,) * (fx.ndim - 1)), np.tile(fy, copies)
    else:  # digit i % 10 of font i % 39 (each font's ten digits are ten entries in a row)
        i = np.arange(count)
        pick = (i % (len(fx) // 10)) * 10 + i % 10
        printed, labels = printed[pick], fy[pick]
    images = np.concatenate([x, printed])
    labels = np.concatenate([y, labels.astype(y.dtype)])
    order = (rng or np.random.default_rng(0)).permutation(len(images))
    return images[order], labels[order]
