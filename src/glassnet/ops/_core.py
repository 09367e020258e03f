"""What every op needs: turning arguments into tensors, and undoing broadcasting."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import backend
from ..errors import InvalidArgumentError
from ..i18n import _
from ..tape import record
from ..tensor import Tensor, to_array


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` itself when it is a tensor (so the tape can follow it), else a new constant."""
    if isinstance(x, Tensor) and (dtype is None or np.dtype(dtype) == x.dtype):
        return x
    return Tensor(to_array(x, dtype))


def pair(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as tensors, checked to broadcast.

    A Python number or NumPy array next to a float tensor takes that tensor's dtype
    (``x * 2.0`` stays float32, as in TensorFlow), so float64 does not creep in.
    """
    if not isinstance(a, Tensor) and isinstance(b, Tensor) and b.dtype.kind == "f":
        a = Tensor(to_array(a, b.dtype))
    elif not isinstance(b, Tensor) and isinstance(a, Tensor) and a.dtype.kind == "f":
        b = Tensor(to_array(b, a.dtype))
    a, b = as_tensor(a), as_tensor(b)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise InvalidArgumentError(
            _("Incompatible shapes for {op}: {shape} and {shape2}. Element-wise ops need "
              "shapes that broadcast (equal, or 1, in each dimension counted from the "
              "right); reshape one operand (tf.reshape, tf.expand_dims) or use tf.matmul "
              "for a matrix product.").format(op=op, shape=a.shape, shape2=b.shape)) from None
    return a, b


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the derivative of broadcasting.

    Broadcasting copies ``x`` along new leading axes and along axes of size 1; each copy
    received its own gradient, and the derivative adds them up. ``b`` of shape ``(3,)``
    added to ``(4, 3)`` gets ``grad.sum(axis=0)``.
    """
    if grad.shape == tuple(shape):
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and grad.shape[i + lead] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


def normalize_axis(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a list; negative counts from the end) as sorted positives."""
    if isinstance(axis, Tensor):
        axis = axis.array.tolist()
    if axis is None:
        return tuple(range(ndim))
    axes = [axis] if np.ndim(axis) == 0 else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(_("axis {a} is out of range for a tensor of rank {ndim}: "
                               "use an axis in [{value}, {ndim}).").format(
                                   a=a, ndim=ndim, value=-ndim))
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def value(x: Any) -> Any:
    """A tensor's array, for arguments that are not differentiated (indices, shapes)."""
    return x.array if isinstance(x, Tensor) else x


def elementwise(name: str, x, f, df) -> Tensor:
    """``y = f(x)`` with ``dL/dx = dy · df(x, y)``."""
    x = as_tensor(x)
    if x.dtype.kind in "iub":  # integers become floatx() floats (TensorFlow refuses them)
        x = Tensor(x.array.astype(backend.floatx()))
    y = f(x.array)
    return record(Tensor(y), [x], lambda dy: [dy * df(x.array, y)], name)


def activation(name: str, x, f) -> Tensor:
    """``y = f(x)`` for an activation of ``activations.py``, whose hand-written
    ``backward(z, a, da)`` is the op's derivative (the same code a ``Dense`` layer runs)."""
    x = as_tensor(x)
    if x.dtype.kind in "iub":
        x = Tensor(x.array.astype(backend.floatx()))
    y = f.forward(x.array)
    return record(Tensor(y), [x], lambda dy: [f.backward(x.array, y, dy)], name)
