"""Weight initialisers with Keras's names and formulas.

For a weight of shape ``(..., fan_in_channels, fan_out_channels)`` the fans are
``fan_in = shape[-2] · receptive`` and ``fan_out = shape[-1] · receptive``, where
``receptive`` is the product of the leading (kernel) dimensions, 1 for ``Dense``.
"""

from __future__ import annotations

import math

import numpy as np

from . import random as grandom
from .errors import unknown_name


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def zeros(shape, dtype):
    return np.zeros(shape, dtype)


def ones(shape, dtype):
    return np.ones(shape, dtype)


def glorot_uniform(shape, dtype):
    """Uniform on ``[-l, l]`` with ``l = √(6 / (fan_in + fan_out))`` (Keras's default)."""
    fan_in, fan_out = _fans(shape)
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return grandom.rng().uniform(-limit, limit, shape).astype(dtype)


def _truncated_normal(shape, stddev, dtype):
    # Normal(0, stddev) redrawn beyond two standard deviations, as Keras does.
    x = grandom.rng().standard_normal(shape)
    bad = np.abs(x) > 2
    while bad.any():
        x[bad] = grandom.rng().standard_normal(int(bad.sum()))
        bad = np.abs(x) > 2
    # 0.8796... is the standard deviation of a unit normal truncated at ±2
    return (x * (stddev / 0.87962566103423978)).astype(dtype)


def glorot_normal(shape, dtype):
    """Truncated normal with standard deviation ``√(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    return _truncated_normal(shape, math.sqrt(2.0 / (fan_in + fan_out)), dtype)


def he_normal(shape, dtype):
    """Truncated normal with standard deviation ``√(2 / fan_in)`` (good before ReLU)."""
    fan_in, _ = _fans(shape)
    return _truncated_normal(shape, math.sqrt(2.0 / fan_in), dtype)


def he_uniform(shape, dtype):
    """Uniform on ``[-l, l]`` with ``l = √(6 / fan_in)``."""
    fan_in, _ = _fans(shape)
    limit = math.sqrt(6.0 / fan_in)
    return grandom.rng().uniform(-limit, limit, shape).astype(dtype)


def random_normal(shape, dtype):
    """Normal with mean 0 and standard deviation 0.05."""
    return grandom.rng().normal(0.0, 0.05, shape).astype(dtype)


def random_uniform(shape, dtype):
    """Uniform on ``[-0.05, 0.05]``."""
    return grandom.rng().uniform(-0.05, 0.05, shape).astype(dtype)


ALL = {
    f.__name__: f
    for f in (zeros, ones, glorot_uniform, glorot_normal, he_normal, he_uniform,
              random_normal, random_uniform)
}


def get(identifier):
    """Resolve an initialiser name, or return a callable ``f(shape, dtype)`` unchanged."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in ALL:
        return ALL[identifier.lower()]
    raise unknown_name("initializer", identifier, ALL)
