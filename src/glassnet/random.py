"""The random number generator behind weight initialisation, dropout and shuffling.

One NumPy ``Generator`` serves the whole library, so ``set_seed(42)`` makes a run
repeatable bit for bit on the same machine.
"""

from __future__ import annotations

import random as _pyrandom

import numpy as np

from .backend import floatx
from .i18n import _
from .tensor import Tensor, to_array

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
    if isinstance(seed, (float, np.floating)) and float(seed).is_integer():
        seed = int(seed)  # tf.random.set_seed(1.0) works in TensorFlow
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(_("The seed must be an integer, got {seed!r}.").format(seed=seed))
    _rng = np.random.default_rng(int(seed))
    np.random.seed(int(seed) % 2**32)
    _pyrandom.seed(int(seed))


# -- tf.random: tensors of random numbers, from the same generator ---------------------
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, name=None):
    """A tensor of samples from ``N(mean, stddev²)`` (float32 unless ``dtype`` says)."""
    return _tensor(_generator(seed).normal(mean, stddev, _shape(shape)), dtype)


def uniform(shape, minval=0, maxval=None, dtype=None, seed=None, name=None):
    """Samples from ``[minval, maxval)`` (``maxval`` 1 for floats); integer ``dtype``
    gives integers, as in TensorFlow."""
    dt = np.dtype(floatx() if dtype is None else dtype)
    if dt.kind in "iu":
        if maxval is None:
            raise ValueError(_("tf.random.uniform with an integer dtype needs maxval."))
        return _tensor(_generator(seed).integers(minval, maxval, _shape(shape)), dt)
    return _tensor(_generator(seed).uniform(minval, 1.0 if maxval is None else maxval,
                                            _shape(shape)), dt)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None, name=None):
    """``N(mean, stddev²)`` samples redrawn until within two standard deviations."""
    g, size = _generator(seed), _shape(shape)
    z = g.standard_normal(size)
    while np.any(far := np.abs(z) > 2):
        z[far] = g.standard_normal(int(far.sum()))
    return _tensor(mean + stddev * z, dtype)


def shuffle(value, seed=None, name=None):
    """The rows of ``value`` in a random order."""
    a = to_array(value)
    return Tensor(a[_generator(seed).permutation(len(a))])


def categorical(logits, num_samples: int, dtype=None, seed=None, name=None):
    """``num_samples`` class indices per row of ``logits (batch, classes)``, drawn with
    probabilities ``softmax(logits)`` (text generation's sampling step), int64 as in
    TensorFlow: ``u ~ U[0, 1)`` falls in the interval ``[P_{k-1}, P_k)`` of the cumulative
    probabilities ``P`` of class ``k``."""
    z = np.asarray(to_array(logits), np.float64)
    if z.ndim != 2:
        raise ValueError(_("tf.random.categorical takes logits of shape (batch, classes), "
                           "got shape {shape}.").format(shape=z.shape))
    p = np.exp(z - z.max(axis=1, keepdims=True))
    cumulative = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    u = _generator(seed).random((len(z), int(num_samples)))
    picks = (u[:, :, None] >= cumulative[:, None, :-1]).sum(axis=2)
    return Tensor(picks.astype(np.int64 if dtype is None else dtype))


def _generator(seed) -> np.random.Generator:
    """An op-level ``seed`` gives its own repeatable stream; otherwise the library's."""
    return rng() if seed is None else np.random.default_rng(int(seed))


def _shape(shape) -> tuple[int, ...]:
    shape = np.asarray(shape).tolist() if not isinstance(shape, (int, tuple, list)) else shape
    return (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)


def _tensor(a: np.ndarray, dtype) -> Tensor:
    return Tensor(a.astype(floatx() if dtype is None else dtype))
