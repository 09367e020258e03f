"""``keras.backend`` (``K``) math for Keras 2 custom losses and metrics, on glassnet's ops.

    from tensorflow.keras import backend as K
    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

Each function takes arrays or tensors and returns a tensor, recorded on a
``GradientTape`` like any op, so losses written with ``K`` train. Keras's semantics:
reductions default to ``axis=None`` (everything) and ``keepdims=False``; ``argmax`` and
``softmax`` default to the last axis; ``K.sqrt`` clips negative inputs to 0 first;
``K.categorical_crossentropy`` divides ``output`` by its sum over ``axis`` before clipping
it to ``[ε, 1 - ε]``, as Keras 2 does.

These names are ``keras.backend``'s (``backend.py`` looks them up here on first use).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .backend import OPS, floatx
from .ops import nn
from .tensor import Tensor, Variable

__all__ = list(OPS)

# element-wise ops with the same meaning in Keras and TensorFlow
abs, exp, log, square, sign = ops.abs, ops.exp, ops.log, ops.square, ops.sign
sigmoid, tanh, softplus = ops.sigmoid, ops.tanh, ops.softplus
maximum, minimum, equal, not_equal = ops.maximum, ops.minimum, ops.equal, ops.not_equal
greater, greater_equal, less, less_equal = (ops.greater, ops.greater_equal, ops.less,
                                            ops.less_equal)
round, cast, reshape, dot = ops.round, ops.cast, ops.reshape, ops.matmul
mean, sum, max, min, prod, std, var = (ops.mean, ops.sum, ops.max, ops.min, ops.prod, ops.std,
                                       ops.var)
sparse_categorical_crossentropy = ops.sparse_categorical_crossentropy


def pow(x, a) -> Tensor:
    """``xᵃ``."""
    return ops.pow(x, a)


def sqrt(x) -> Tensor:
    """``√max(x, 0)``: Keras clips negative values (rounding errors) to 0 first."""
    return ops.sqrt(ops.maximum(x, 0.0))


def clip(x, min_value, max_value) -> Tensor:
    """``x`` limited to ``[min_value, max_value]`` (``max_value < min_value`` is raised to
    ``min_value``, as Keras does)."""
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return ops.clip_by_value(x, -np.inf if min_value is None else min_value,
                             np.inf if max_value is None else max_value)


def any(x, axis=None, keepdims: bool = False) -> Tensor:
    return ops.reduce_any(ops.cast(x, bool), axis, keepdims)


def all(x, axis=None, keepdims: bool = False) -> Tensor:
    return ops.reduce_all(ops.cast(x, bool), axis, keepdims)


def argmax(x, axis: int = -1) -> Tensor:
    """Index of the largest entry along ``axis`` (the last by default)."""
    return ops.math.argmax(x, axis)


def argmin(x, axis: int = -1) -> Tensor:
    return ops.math.argmin(x, axis)


def softmax(x, axis: int = -1) -> Tensor:
    """``eˣ / Σ eˣ`` along ``axis``."""
    return nn.softmax(x, axis=axis)


def relu(x, alpha: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Tensor:
    """``x`` for ``x ≥ threshold``, else ``alpha·(x - threshold)``; then capped at
    ``max_value``. Defaults: the plain ``max(x, 0)``."""
    if alpha == 0 and max_value is None and threshold == 0:
        return nn.relu(x)
    x = ops.convert_to_tensor(x)
    y = ops.where(ops.greater_equal(x, threshold), x, ops.multiply(alpha, x - threshold))
    return y if max_value is None else ops.minimum(y, max_value)


def flatten(x) -> Tensor:
    """All entries in one axis."""
    return ops.reshape(x, (-1,))


def batch_flatten(x) -> Tensor:
    """``(n, ...)`` to ``(n, everything else)``."""
    x = ops.convert_to_tensor(x)
    return ops.reshape(x, (x.shape[0], -1))


def expand_dims(x, axis: int = -1) -> Tensor:
    return ops.expand_dims(x, axis)


def concatenate(tensors, axis: int = -1) -> Tensor:
    return ops.concat(list(tensors), axis)


def stack(x, axis: int = 0) -> Tensor:
    return ops.stack(list(x), axis)


def transpose(x) -> Tensor:
    return ops.transpose(x)


def gather(reference, indices) -> Tensor:
    return ops.gather(reference, indices)


def ones_like(x, dtype=None, name=None) -> Tensor:
    return ops.ones_like(x, dtype)


def zeros_like(x, dtype=None, name=None) -> Tensor:
    return ops.zeros_like(x, dtype)


def l2_normalize(x, axis=None) -> Tensor:
    """``x / √max(Σ x², 1e-12)`` over ``axis`` (all entries for None), as TensorFlow."""
    x = ops.convert_to_tensor(x)
    squares = ops.reduce_sum(ops.square(x), axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, 1e-12))


def categorical_crossentropy(target, output, from_logits: bool = False,
                             axis: int = -1) -> Tensor:
    """Per sample ``-Σ y ln p``; probabilities ``output`` are first divided by their sum
    over ``axis``, then clipped to ``[ε, 1 - ε]`` (Keras 2)."""
    if not from_logits:
        output = ops.convert_to_tensor(output)
        output = output / ops.reduce_sum(output, axis, keepdims=True)
    return ops.categorical_crossentropy(target, output, from_logits, axis)


def binary_crossentropy(target, output, from_logits: bool = False) -> Tensor:
    """Element-wise ``-(y ln p + (1 - y) ln(1 - p))``, ``p`` clipped to ``[ε, 1 - ε]``."""
    return ops.binary_crossentropy(target, output, from_logits)


def int_shape(x) -> tuple:
    """The shape as a tuple of ints (``None`` where unknown, as for ``Input`` tensors)."""
    shape = getattr(x, "shape", None)
    return tuple(np.shape(x) if shape is None else shape)


def shape(x) -> Tensor:
    """The shape as an int32 tensor (``tf.shape``)."""
    return ops.array_ops.shape(x)


def constant(value, dtype=None, shape=None, name=None) -> Tensor:
    return ops.constant(value, floatx() if dtype is None else dtype, shape)


def variable(value, dtype=None, name: str | None = None, constraint=None) -> Variable:
    """A ``Variable`` holding ``value`` (as floatx unless ``dtype``)."""
    return Variable(np.asarray(value, floatx() if dtype is None else dtype), name=name)


def eval(x) -> Any:
    """The value of ``x`` as a NumPy array."""
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


# K.std(x) on a symbolic tensor records a graph node, see ops/symbolic.py
from .ops.symbolic import dispatch  # noqa: E402

dispatch(globals(), skip=("int_shape",))
