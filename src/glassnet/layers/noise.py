"""Noise layers: random perturbations during training, the identity at inference.

=================  ==========================================  =========================
layer              y (training)                                dL/dx
=================  ==========================================  =========================
GaussianNoise      x + n,   n ~ N(0, stddev²)                  dy
GaussianDropout    x · n,   n ~ N(1, rate / (1 - rate))        dy · n
AlphaDropout       a · (x·m + α'·(1 - m)) + b,  m ~ Bernoulli  a · dy · m
=================  ==========================================  =========================

The noise is drawn from ``glassnet.random`` (seeded by ``utils.set_random_seed``), or from
the layer's own generator when it is given ``seed=``, as ``Dropout`` does.
"""

from __future__ import annotations

import numpy as np

from .. import random as grandom
from ..i18n import _
from .base import Layer


class _Noise(Layer):
    """Shared by the noise layers: the rate or stddev, the generator, the config."""

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True
    #: the constructor argument that sets the amount of noise
    amount = "rate"

    def __init__(self, value: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        value = float(value)
        if self.amount == "rate" and not 0 <= value < 1:
            raise ValueError(_("{cls} rate must be in [0, 1), got {rate!r}.").format(
                cls=type(self).__name__, rate=value))
        if self.amount == "stddev" and not value >= 0:
            raise ValueError(_("GaussianNoise stddev must be zero or more, got "
                               "{stddev!r}.").format(stddev=value))
        setattr(self, self.amount, value)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self.noise = None

    def generator(self) -> np.random.Generator:
        return self._rng or grandom.rng()

    def get_config(self):
        return {**super().get_config(), self.amount: getattr(self, self.amount),
                "seed": self.seed}


class GaussianNoise(_Noise):
    """``y = x + n``, ``n ~ N(0, stddev²)`` while training (a regulariser, and data
    augmentation for real-valued inputs); ``dx = dy``: the noise does not depend on ``x``."""

    amount = "stddev"

    def __init__(self, stddev: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(stddev, seed, **kwargs)

    def forward(self, x, training=False):
        if not training or self.stddev == 0:
            return x
        n = self.generator().standard_normal(x.shape, dtype=np.float32)
        return x + (self.stddev * n).astype(x.dtype, copy=False)

    def backward(self, dy):
        return dy


class GaussianDropout(_Noise):
    """``y = x · n``, ``n ~ N(1, σ²)`` with ``σ = √(rate / (1 - rate))`` while training:
    multiplicative noise with the variance of ``Dropout(rate)``'s, mean 1 so inference
    needs no rescaling. ``dx = dy · n``."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs) -> None:
        super().__init__(rate, seed, **kwargs)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self.noise = None
            return x
        sigma = np.sqrt(self.rate / (1 - self.rate))
        n = 1 + sigma * self.generator().standard_normal(x.shape, dtype=np.float32)
        self.noise = n.astype(x.dtype, copy=False)
        return x * self.noise

    def backward(self, dy):
        return dy if self.noise is None else dy * self.noise


#: SELU's α and λ (Klambauer et al. 2017): α' = -λα is SELU's value at -∞
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(_Noise):
    """Dropout for SELU networks: keeps the mean and variance of its inputs.

    A dropped value is set to ``α' = -λα`` (SELU's lower limit), not 0, then
    ``y = a · (x·m + α'·(1 - m)) + b`` with ``m ~ Bernoulli(1 - rate)`` and
    ``a = ((1 - rate)(1 + rate·α'²))^(-1/2)``, ``b = -a·α'·rate`` (Keras's formulas).
    Backward: ``dx = a · dy · m``.
    """

    def __init__(self, rate: float, noise_shape=None, seed: int | None = None,
                 **kwargs) -> None:
        super().__init__(rate, seed, **kwargs)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self.noise = None
            return x
        shape = x.shape if self.noise_shape is None else tuple(
            n if d is None else int(d) for d, n in zip(self.noise_shape, x.shape))
        keep = (self.generator().random(shape, dtype=np.float32) >= self.rate).astype(x.dtype)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        self.noise = (a * keep).astype(x.dtype)  # dy/dx
        return (x * self.noise + (a * alpha_p * (1 - keep) + b)).astype(x.dtype, copy=False)

    def backward(self, dy):
        return dy if self.noise is None else dy * self.noise

    def get_config(self):
        config = super().get_config()
        if self.noise_shape is not None:
            config["noise_shape"] = list(self.noise_shape)
        return config
