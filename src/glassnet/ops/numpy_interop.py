"""NumPy functions applied to tensors: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``a_np + t``.

NumPy hands these calls to ``Tensor.__array_ufunc__`` / ``__array_function__``, which
land here. A function with a glassnet op of the same meaning runs as that op, so the tape
records it (``np.exp(t)`` is ``tf.exp(t)``). Any other NumPy function runs on the arrays
and returns a tensor, except when a recording tape watches one of its inputs: then the
gradient would silently stop there, so it is an error that names the glassnet op to use.
"""

from __future__ import annotations

import numpy as np

from .. import tape as tape_module
from ..i18n import N_, _
from ..tensor import Tensor
from . import array as A
from . import math as M
from . import nn as N

UFUNCS = {
    np.add: M.add, np.subtract: M.subtract, np.multiply: M.multiply,
    np.true_divide: M.divide, np.power: M.pow, np.negative: M.negative,
    np.exp: M.exp, np.expm1: M.expm1, np.log: M.log, np.log1p: M.log1p, np.sqrt: M.sqrt,
    np.square: M.square, np.absolute: M.abs, np.maximum: M.maximum, np.minimum: M.minimum,
    np.tanh: M.tanh, np.sin: M.sin, np.cos: M.cos, np.matmul: M.matmul,
    np.reciprocal: M.reciprocal, np.sign: M.sign, np.floor: M.floor, np.ceil: M.ceil,
    np.equal: M.equal, np.not_equal: M.not_equal, np.less: M.less,
    np.less_equal: M.less_equal, np.greater: M.greater, np.greater_equal: M.greater_equal,
    np.floor_divide: M.floordiv, np.remainder: M.mod,
}


def _reduction(op):
    def call(a, axis=None, dtype=None, out=None, keepdims=False, **rest):
        if dtype is not None or out is not None or rest:
            raise _Fallback
        return op(a, axis=axis, keepdims=keepdims)

    return call


def _dot(a, b, out=None):
    if out is not None or np.ndim(a) == 0 or np.ndim(b) == 0:
        raise _Fallback
    return M.matmul(a, b)


FUNCTIONS = {
    np.sum: _reduction(M.reduce_sum), np.mean: _reduction(M.reduce_mean),
    np.max: _reduction(M.reduce_max), np.min: _reduction(M.reduce_min),
    np.amax: _reduction(M.reduce_max), np.amin: _reduction(M.reduce_min),
    np.prod: _reduction(M.reduce_prod),
    np.reshape: lambda a, *args, **kw: A.reshape(a, (args or tuple(kw.values()))[0]),
    np.transpose: lambda a, axes=None: A.transpose(a, axes),
    np.concatenate: lambda arrays, axis=0: A.concat(arrays, axis),
    np.stack: lambda arrays, axis=0: A.stack(arrays, axis),
    np.expand_dims: lambda a, axis: A.expand_dims(a, axis),
    np.squeeze: lambda a, axis=None: A.squeeze(a, axis),
    np.clip: lambda a, a_min, a_max: A.clip_by_value(a, a_min, a_max),
    np.where: lambda condition, *xy: A.where(condition, *xy),
    np.dot: _dot,
}

#: The glassnet op to name in the error for NumPy functions that have no twin above.
SUGGEST = {
    "einsum": "tf.matmul with tf.transpose/tf.reshape", "tensordot": "tf.matmul",
    "outer": "tf.matmul(tf.expand_dims(a, 1), tf.expand_dims(b, 0))",
    "cumsum": N_("a sum of tf.gather'ed slices"), "std": "tf.math.reduce_std",
    "var": "tf.math.reduce_variance", "logaddexp": "tf.math.reduce_logsumexp",
    "take": "tf.gather", "tile": "tf.tile",
    "arctan": N_("tf.math.* ops"), "sinh": N_("tf.math.* ops"), "cosh": N_("tf.math.* ops"),
}


class _Fallback(Exception):
    """This call of a mapped function uses arguments its glassnet op does not take."""


def apply_ufunc(ufunc, method, inputs, kwargs):
    op = UFUNCS.get(ufunc)
    if op is not None and method == "__call__" and not kwargs:
        return op(*inputs)
    return _plain(f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"),
                  lambda *xs: getattr(ufunc, method)(*xs, **_arrays(kwargs)), inputs)


#: Functions that only read shapes and types: harmless under a tape.
METADATA = {np.ndim, np.shape, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
            np.shares_memory, np.may_share_memory}


def apply_function(func, args, kwargs):
    if func in METADATA:
        return func(*_arrays(args), **_arrays(kwargs))
    op = FUNCTIONS.get(func)
    if op is not None:
        try:
            return op(*args, **kwargs)
        except _Fallback:
            pass
    return _plain(f"np.{func.__name__}", lambda *xs: func(*xs, **_arrays(kwargs)), args)


def _plain(name: str, run, args):
    """Run a NumPy function the tape cannot see, on arrays; refuse if a tape is watching."""
    tensors = [t for t in _leaves(args) if isinstance(t, Tensor)]
    if tape_module.watched(tensors):
        short = name.split(".")[1]
        instead = _(SUGGEST.get(short) or _twin(short)
                    or N_("the glassnet ops (tf.math.*, tf.nn.*)"))
        raise TypeError(
            _("{name} was applied to a tensor that a GradientTape is watching. The tape "
              "cannot see inside NumPy functions, so no gradient would flow through it. "
              "Use {instead} instead, or compute it with glassnet ops (tf.math, tf.nn, "
              "tf.keras.ops).").format(name=name, instead=instead))
    result = run(*_arrays(args))
    if isinstance(result, (np.ndarray, np.generic)):
        return Tensor(result)
    return result


def _twin(name: str) -> str | None:
    for module, prefix in ((M, "tf.math."), (N, "tf.nn."), (A, "tf.")):
        if hasattr(module, name):
            return prefix + name
    return None


def _leaves(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _leaves(item)
    else:
        yield x


def _arrays(x):
    """``x`` with every tensor replaced by its array (in lists, tuples and dicts too)."""
    if isinstance(x, Tensor):
        return x.array
    if isinstance(x, dict):
        return {k: _arrays(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(_arrays(v) for v in x)
    return x
