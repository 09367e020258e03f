"""The TensorFlow ops that Keras tutorials use, and ``keras.ops``.

``import glassnet as tf`` gives them TensorFlow's names (``tf.constant``, ``tf.square``,
``tf.reduce_mean``, ``tf.math.*``, ``tf.nn.*``); ``keras.ops`` is this module, with the
Keras 3 names (``ops.mean``, ``ops.sum``, ``ops.concatenate``...). Each op is in the file
of its kind, next to its derivative:

* ``math.py``   element-wise math, comparisons, reductions, ``matmul``;
* ``array.py``  making tensors, shapes, indexing, ``where``, ``one_hot``;
* ``nn.py``     activations and softmax cross-entropy;
* ``numpy_interop.py``  what happens when NumPy functions meet tensors.
"""

from __future__ import annotations

import numpy as np

from ..graph import KerasTensor
from . import array, linalg, math, nn, numpy_interop
from . import array as array_ops  # the module; ``ops.array`` is Keras 3's function below
from .array import (
    boolean_mask,
    broadcast_to,
    cast,
    clip_by_value,
    concat,
    constant,
    convert_to_tensor,
    expand_dims,
    eye,
    fill,
    gather,
    getitem,
    identity,
    linspace,
    one_hot,
    ones,
    ones_like,
    range,  # tf.range
    rank,
    reshape,
    size,
    split,
    squeeze,
    stack,
    stop_gradient,
    tile,
    transpose,
    unstack,
    where,
    zeros,
    zeros_like,
)
from .math import (
    abs,
    add,
    add_n,
    ceil,
    cos,
    cumsum,
    divide,
    einsum,
    equal,
    exp,
    floor,
    floordiv,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    mod,
    multiply,
    negative,
    norm,
    not_equal,
    pow,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
    round,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
)
from .nn import elu, gelu, leaky_relu, log_softmax, relu, relu6, silu, softmax, softplus

# -- keras.ops: Keras 3's names (NumPy-like) for the same ops ------------------------
absolute = abs
power = pow
dot = matmul
full = fill
concatenate = concat
logsumexp = reduce_logsumexp
swish = silu


def array(x, dtype=None):  # noqa: F811 - Keras 3's ops.array, in place of the module's name
    """``keras.ops.array(x, dtype=None)``: a tensor of ``x`` (as ``convert_to_tensor``)."""
    return convert_to_tensor(x, dtype=dtype)


def mean(x, axis=None, keepdims=False):
    return reduce_mean(x, axis, keepdims)


def sum(x, axis=None, keepdims=False):
    return reduce_sum(x, axis, keepdims)


def max(x, axis=None, keepdims=False, initial=None):
    return reduce_max(x, axis, keepdims)


def min(x, axis=None, keepdims=False, initial=None):
    return reduce_min(x, axis, keepdims)


def prod(x, axis=None, keepdims=False, dtype=None):
    return reduce_prod(x, axis, keepdims)


def var(x, axis=None, keepdims=False):
    return reduce_variance(x, axis, keepdims)


def std(x, axis=None, keepdims=False):
    return reduce_std(x, axis, keepdims)


def clip(x, x_min, x_max):
    return clip_by_value(x, x_min, x_max)


def arange(start, stop=None, step=1, dtype=None):
    return range(start, stop, step, dtype)


def take(x, indices, axis=None):
    """``keras.ops.take``: like ``np.take``, the flattened ``x`` when ``axis`` is None."""
    return gather(reshape(x, (-1,)) if axis is None else x, indices, axis=axis or 0)


def argmax(x, axis=None, keepdims=False):
    """``keras.ops.argmax``: over the flattened ``x`` when ``axis`` is None (``tf.argmax``,
    which is ``tf.math.argmax``, takes axis 0 instead)."""
    return constant(np.argmax(convert_to_tensor(x).array, axis=axis, keepdims=keepdims))


def argmin(x, axis=None, keepdims=False):
    """``keras.ops.argmin``: over the flattened ``x`` when ``axis`` is None."""
    return constant(np.argmin(convert_to_tensor(x).array, axis=axis, keepdims=keepdims))


def shape(x) -> tuple[int, ...]:
    """``keras.ops.shape``: the shape as a tuple (``tf.shape`` gives a tensor); a symbolic
    tensor's has None for the batch axis."""
    if isinstance(x, KerasTensor):
        return x.shape
    return convert_to_tensor(x).shape


def convert_to_numpy(x) -> np.ndarray:
    return np.asarray(convert_to_tensor(x).numpy())


_EPSILON = 1e-7  # Keras's backend epsilon: probabilities are clipped to [ε, 1 - ε]


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per sample ``-ln p[target]`` (``output`` probabilities, or logits)."""
    if from_logits:
        return nn.sparse_softmax_cross_entropy_with_logits(target, output)
    p = clip_by_value(output, _EPSILON, 1 - _EPSILON)
    depth = convert_to_tensor(output).shape[axis]
    return negative(reduce_sum(one_hot(target, depth, dtype=p.dtype) * log(p), axis=axis))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Per sample ``-Σ y ln p`` (``output`` probabilities, or logits)."""
    if from_logits:
        return nn.softmax_cross_entropy_with_logits(target, output, axis=axis)
    p = clip_by_value(output, _EPSILON, 1 - _EPSILON)
    return negative(reduce_sum(multiply(target, log(p)), axis=axis))


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise ``-(y ln p + (1 - y) ln(1 - p))``."""
    if from_logits:
        return nn.sigmoid_cross_entropy_with_logits(labels=target, logits=output)
    p = clip_by_value(output, _EPSILON, 1 - _EPSILON)
    return negative(add(multiply(target, log(p)), multiply(subtract(1.0, target),
                                                           log(subtract(1.0, p)))))


__all__ = [
    "abs", "absolute", "add", "add_n", "arange", "argmax", "argmin", "array", "array_ops",
    "binary_crossentropy", "boolean_mask", "broadcast_to", "cast", "categorical_crossentropy",
    "ceil", "clip", "clip_by_value", "concat",
    "concatenate", "constant", "convert_to_numpy", "convert_to_tensor", "cos", "cumsum", "einsum",
    "divide", "dot", "elu", "equal", "exp", "expand_dims", "eye", "fill", "floor", "floordiv",
    "full", "gather", "gelu", "getitem", "greater", "greater_equal", "identity", "leaky_relu",
    "less", "less_equal", "linalg", "linspace", "log", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logsumexp", "math", "matmul", "max", "maximum", "mean",
    "min", "minimum",
    "mod", "multiply", "negative", "nn", "norm", "not_equal", "numpy_interop", "one_hot",
    "ones", "ones_like", "pow", "power", "prod", "range", "rank", "reduce_all", "reduce_any",
    "reduce_logsumexp", "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_std",
    "reduce_sum", "reduce_variance", "relu", "relu6", "reshape", "round", "shape", "sigmoid",
    "sign", "silu", "sin", "size", "softmax", "softplus", "sparse_categorical_crossentropy",
    "split", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient", "subtract", "sum",
    "swish", "take", "tanh", "tile", "transpose", "unstack", "var", "where", "zeros",
    "zeros_like",
]


# tf ops on symbolic tensors (functional API) record graph nodes, see symbolic.py
from .symbolic import dispatch  # noqa: E402

dispatch(globals(), skip=("shape",))
