"""``Dropout``: randomly silence units during training (inverted dropout)."""

from __future__ import annotations

import numpy as np

from .. import random as grandom
from ..i18n import _
from .base import Layer


class Dropout(Layer):
    """During training ``y = x · m / (1 - rate)``, ``m_i ~ Bernoulli(1 - rate)``.

    Dividing by ``1 - rate`` keeps the expected value of ``y`` equal to ``x``, so at
    inference the layer is the identity. Backward: ``dx = dy · m / (1 - rate)``.

    ``noise_shape`` (Keras's): the shape of ``m`` with the batch axis, broadcast over ``x``;
    None entries take ``x``'s size, e.g. ``(None, 1, C)`` drops whole channels of a sequence.
    """

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ValueError(_("Dropout rate must be in [0, 1), got {rate!r}.").format(rate=rate))
        self.rate = float(rate)
        self.seed = seed
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.mask = None

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self.mask = None
            return x
        rng = self._rng or grandom.rng()
        keep = rng.random(self.mask_shape(x.shape), dtype=np.float32) >= self.rate
        self.mask = keep.astype(x.dtype) * x.dtype.type(1 / (1 - self.rate))
        return x * self.mask

    def mask_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The shape of the mask ``m`` for inputs of ``shape`` (batch included)."""
        if self.noise_shape is None:
            return shape
        return tuple(n if d is None else int(d) for d, n in zip(self.noise_shape, shape))

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy if self.mask is None else dy * self.mask

    def get_config(self):
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        if self.noise_shape is not None:
            config["noise_shape"] = list(self.noise_shape)
        return config
