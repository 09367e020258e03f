"""``tf.linalg``: matrix ops over the last two axes (leading axes are a batch).

Each op with a derivative states it next to the code (``Y = A⁻¹``: ``dA = -Yᵀ dY Yᵀ``).
The factorisations (``qr``, ``svd``, ``eigvals``) give TensorFlow's values and layout but
no derivative in glassnet: a tape that reaches them says so instead of returning a wrong
gradient.
"""

from __future__ import annotations

import numpy as np

from ..i18n import _
from ..tape import record
from ..tensor import Tensor
from ._core import as_tensor
from .array import eye
from .math import global_norm, matmul, norm


def _swap(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def _float(x) -> Tensor:
    x = as_tensor(x)
    if x.dtype.kind != "f":
        from .. import backend

        x = Tensor(x.array.astype(backend.floatx()))
    return x


def inv(input, adjoint=False, name=None) -> Tensor:
    """``Y = A⁻¹``;  ``dA = -Yᵀ · dY · Yᵀ``."""
    a = _float(input)
    y = np.linalg.inv(_swap(a.array) if adjoint else a.array)

    def vjp(dy):
        da = -_swap(y) @ dy @ _swap(y)
        return [_swap(da) if adjoint else da]

    return record(Tensor(y.astype(a.dtype)), [a], vjp, "inv")


def det(input, name=None) -> Tensor:
    """``d = det A``;  ``dA = dd · d · A⁻ᵀ`` (Jacobi's formula)."""
    a = _float(input)
    d = np.linalg.det(a.array)

    def vjp(dd):
        return [(dd * d)[..., None, None] * _swap(np.linalg.inv(a.array))]

    return record(Tensor(np.asarray(d, a.dtype)), [a], vjp, "det")


def trace(x, name=None) -> Tensor:
    """``t = Σᵢ Aᵢᵢ``;  ``dA = dt · I``."""
    a = as_tensor(x)
    t = np.trace(a.array, axis1=-2, axis2=-1)
    n = min(a.shape[-2:])

    def vjp(dt):
        da = np.zeros(a.shape, np.asarray(dt).dtype)
        idx = np.arange(n)
        da[..., idx, idx] = np.asarray(dt)[..., None]
        return [da]

    return record(Tensor(np.asarray(t, a.dtype)), [a], vjp, "trace")


def diag(diagonal, name=None) -> Tensor:
    """The matrix with ``diagonal`` (last axis) on its diagonal, zeros elsewhere;
    ``d(diagonal) = diag_part(dY)``."""
    v = as_tensor(diagonal)
    n = v.shape[-1]
    y = np.zeros(v.shape + (n,), v.dtype)
    idx = np.arange(n)
    y[..., idx, idx] = v.array
    return record(Tensor(y), [v], lambda dy: [dy[..., idx, idx]], "diag")


def diag_part(input, name=None) -> Tensor:
    """The diagonal of the last two axes;  ``dA = diag(dy)``."""
    a = as_tensor(input)
    n = min(a.shape[-2:])
    idx = np.arange(n)

    def vjp(dy):
        da = np.zeros(a.shape, dy.dtype)
        da[..., idx, idx] = dy
        return [da]

    return record(Tensor(np.array(a.array[..., idx, idx])), [a], vjp, "diag_part")


def _no_derivative(name: str):
    def vjp(dy):
        raise NotImplementedError(_("glassnet has no derivative for tf.linalg.{name}: keep "
                                    "it out of the GradientTape (compute it from "
                                    "x.numpy()).").format(name=name))
    return vjp


def qr(input, full_matrices=False, name=None) -> tuple[Tensor, Tensor]:
    """``A = Q R``, ``Q`` with orthonormal columns, ``R`` upper triangular (no derivative)."""
    a = _float(input)
    q, r = np.linalg.qr(a.array, mode="complete" if full_matrices else "reduced")
    return (record(Tensor(q.astype(a.dtype)), [a], _no_derivative("qr"), "qr"),
            record(Tensor(r.astype(a.dtype)), [a], _no_derivative("qr"), "qr"))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """TensorFlow's ``s, u, v = tf.linalg.svd(A)`` with ``A = u · diag(s) · vᵀ`` (NumPy
    returns ``u, s, vᵀ``); ``compute_uv=False`` gives ``s`` only. No derivative."""
    a = _float(tensor)
    if not compute_uv:
        s = np.linalg.svd(a.array, compute_uv=False)
        return record(Tensor(s.astype(a.dtype)), [a], _no_derivative("svd"), "svd")
    u, s, vh = np.linalg.svd(a.array, full_matrices=full_matrices)
    return tuple(record(Tensor(m.astype(a.dtype)), [a], _no_derivative("svd"), "svd")
                 for m in (s, u, _swap(vh)))


def eigvals(tensor, name=None) -> Tensor:
    """The eigenvalues, complex as in TensorFlow (complex64 for float32). No derivative."""
    a = _float(tensor)
    complex_dtype = np.complex64 if a.dtype == np.float32 else np.complex128
    w = np.linalg.eigvals(a.array).astype(complex_dtype)
    return record(Tensor(w), [a], _no_derivative("eigvals"), "eigvals")


def matrix_transpose(a, name=None, conjugate=False) -> Tensor:
    """The last two axes swapped (``tf.linalg.matrix_transpose``)."""
    from .array import transpose

    x = as_tensor(a)
    perm = list(range(x.ndim - 2)) + [x.ndim - 1, x.ndim - 2]
    return transpose(x, perm)


adjoint = matrix_transpose  # real tensors: the conjugate transpose is the transpose

__all__ = ["adjoint", "det", "diag", "diag_part", "eigvals", "eye", "global_norm", "inv", "matmul",
           "matrix_transpose", "norm", "qr", "svd", "trace"]


# tf ops on symbolic tensors (functional API) record graph nodes, see symbolic.py
from .symbolic import dispatch  # noqa: E402

dispatch(globals())
