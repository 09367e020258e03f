"""Element-wise math, reductions and the matrix product (``tf.math``), each op next to
its local derivative.

Every differentiable op computes ``y`` with NumPy, then records ``vjp``: given
``dy = dL/dy`` it returns ``dL/dx`` for each input (the chain rule for one op)::

    y = x²       vjp: dy ↦ 2x · dy
    y = a · b    vjp: dy ↦ (b · dy, a · dy)      summed back to each shape (unbroadcast)

Ops without a derivative (comparisons, argmax, rounding) are not recorded.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..errors import InvalidArgumentError
from ..i18n import _
from ..tape import record
from ..tensor import Tensor
from ._core import activation, as_tensor, elementwise, normalize_axis, pair, unbroadcast


def _no_grad(f, *args) -> Tensor:
    return Tensor(f(*(as_tensor(a).array for a in args)))


# -- arithmetic -------------------------------------------------------------------
def add(x, y, name=None) -> Tensor:
    """``z = x + y``;  ``dz/dx = 1``, ``dz/dy = 1``."""
    x, y = pair(x, y, "add")
    return record(Tensor(x.array + y.array), [x, y],
                  lambda dz: [unbroadcast(dz, x.shape), unbroadcast(dz, y.shape)], "add")


def add_n(inputs, name=None) -> Tensor:
    """``z = x₁ + x₂ + … + xₙ`` (same shapes);  each ``dz/dxᵢ = 1``."""
    xs = [as_tensor(x) for x in inputs]
    shapes = {x.shape for x in xs}
    if len(shapes) != 1:
        raise ValueError(_("add_n needs inputs of one shape, got {shapes}: use tf.add "
                           "(which broadcasts) for different shapes.").format(
                               shapes=[x.shape for x in xs]))
    y = np.sum([x.array for x in xs], axis=0).astype(xs[0].dtype)
    return record(Tensor(y), xs, lambda dy: [dy] * len(xs), "add_n")


def subtract(x, y, name=None) -> Tensor:
    """``z = x - y``;  ``dz/dx = 1``, ``dz/dy = -1``."""
    x, y = pair(x, y, "subtract")
    return record(Tensor(x.array - y.array), [x, y],
                  lambda dz: [unbroadcast(dz, x.shape), unbroadcast(-dz, y.shape)], "subtract")


def multiply(x, y, name=None) -> Tensor:
    """``z = x · y``;  ``dz/dx = y``, ``dz/dy = x``."""
    x, y = pair(x, y, "multiply")
    a, b = x.array, y.array
    return record(Tensor(a * b), [x, y],
                  lambda dz: [unbroadcast(dz * b, x.shape), unbroadcast(dz * a, y.shape)],
                  "multiply")


def divide(x, y, name=None) -> Tensor:
    """``z = x / y``;  ``dz/dx = 1/y``, ``dz/dy = -x/y²``. Integers divide to floats."""
    x, y = pair(x, y, "divide")
    a, b = x.array, y.array
    z = np.true_divide(a, b)
    if z.dtype == np.float64 and a.dtype.kind in "iu" and b.dtype.kind in "iu":
        z = z.astype(np.float64)  # int32 / int32 is float64 in TensorFlow too
    return record(Tensor(z), [x, y],
                  lambda dz: [unbroadcast(dz / b, x.shape), unbroadcast(-dz * a / (b * b),
                                                                        y.shape)], "divide")


truediv = divide


def floordiv(x, y, name=None) -> Tensor:
    """``⌊x / y⌋`` (no gradient: piecewise constant)."""
    x, y = pair(x, y, "floordiv")
    return Tensor(np.floor_divide(x.array, y.array))


floor_div = floordiv


def mod(x, y, name=None) -> Tensor:
    """``z = x - ⌊x/y⌋·y`` (the sign of ``y``, as Python's ``%``);  ``dz/dx = 1``,
    ``dz/dy = -⌊x/y⌋`` (between the jumps)."""
    x, y = pair(x, y, "mod")
    q = np.floor_divide(x.array, y.array)
    return record(Tensor(np.mod(x.array, y.array)), [x, y],
                  lambda dz: [unbroadcast(dz, x.shape), unbroadcast(-dz * q, y.shape)], "mod")


floormod = mod


def negative(x, name=None) -> Tensor:
    """``y = -x``;  ``dy/dx = -1``."""
    x = as_tensor(x)
    return record(Tensor(-x.array), [x], lambda dy: [-dy], "negative")


neg = negative


def pow(x, y, name=None) -> Tensor:
    """``z = xʸ``;  ``dz/dx = y·xʸ⁻¹``, ``dz/dy = xʸ·ln x`` (0 where ``x ≤ 0``)."""
    x, y = pair(x, y, "pow")
    a, b = x.array, y.array
    z = np.power(a, b)

    def vjp(dz):
        da = unbroadcast(dz * b * np.power(a, b - 1), x.shape)
        if y.dtype.kind != "f":
            return [da, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_a = np.where(a > 0, np.log(np.where(a > 0, a, 1)), 0)
        return [da, unbroadcast(dz * z * log_a, y.shape)]

    return record(Tensor(z), [x, y], vjp, "pow")


def maximum(x, y, name=None) -> Tensor:
    """``max(x, y)``; the gradient goes to ``x`` where ``x ≥ y``, else to ``y``."""
    x, y = pair(x, y, "maximum")
    take_x = x.array >= y.array
    return record(Tensor(np.maximum(x.array, y.array)), [x, y],
                  lambda dz: [unbroadcast(dz * take_x, x.shape),
                              unbroadcast(dz * ~take_x, y.shape)], "maximum")


def minimum(x, y, name=None) -> Tensor:
    """``min(x, y)``; the gradient goes to ``x`` where ``x ≤ y``, else to ``y``."""
    x, y = pair(x, y, "minimum")
    take_x = x.array <= y.array
    return record(Tensor(np.minimum(x.array, y.array)), [x, y],
                  lambda dz: [unbroadcast(dz * take_x, x.shape),
                              unbroadcast(dz * ~take_x, y.shape)], "minimum")


def squared_difference(x, y, name=None) -> Tensor:
    """``(x - y)²``."""
    return square(subtract(x, y))


# -- element-wise functions ---------------------------------------------------------
def abs(x, name=None) -> Tensor:
    """``|x|``;  ``d|x|/dx = sign(x)`` (0 at 0)."""
    x = as_tensor(x)
    return record(Tensor(np.abs(x.array)), [x], lambda dy: [dy * np.sign(x.array)], "abs")


def square(x, name=None) -> Tensor:
    """``x²``;  ``dy/dx = 2x``. Integers stay integers, as in TensorFlow (``tf.square(3)``
    is 9, int32), with no gradient."""
    x = as_tensor(x)
    if x.dtype.kind in "iu":
        return Tensor(np.square(x.array))
    return elementwise("square", x, np.square, lambda x, y: 2 * x)


def sqrt(x, name=None) -> Tensor:
    """``√x``;  ``dy/dx = 1 / (2√x)``."""
    return elementwise("sqrt", x, np.sqrt, lambda x, y: 0.5 / y)


def rsqrt(x, name=None) -> Tensor:
    """``1/√x``;  ``dy/dx = -y³/2``."""
    return elementwise("rsqrt", x, lambda x: 1 / np.sqrt(x), lambda x, y: -0.5 * y ** 3)


def exp(x, name=None) -> Tensor:
    """``eˣ``;  ``dy/dx = eˣ = y``."""
    return elementwise("exp", x, np.exp, lambda x, y: y)


def expm1(x, name=None) -> Tensor:
    """``eˣ - 1``;  ``dy/dx = eˣ``."""
    return elementwise("expm1", x, np.expm1, lambda x, y: y + 1)


def log(x, name=None) -> Tensor:
    """``ln x``;  ``dy/dx = 1/x``."""
    return elementwise("log", x, np.log, lambda x, y: 1 / x)


def log1p(x, name=None) -> Tensor:
    """``ln(1 + x)``;  ``dy/dx = 1/(1 + x)``."""
    return elementwise("log1p", x, np.log1p, lambda x, y: 1 / (1 + x))


def reciprocal(x, name=None) -> Tensor:
    """``1/x``;  ``dy/dx = -1/x²``."""
    return elementwise("reciprocal", x, lambda x: 1 / x, lambda x, y: -y * y)


def sin(x, name=None) -> Tensor:
    """``sin x``;  ``dy/dx = cos x``."""
    return elementwise("sin", x, np.sin, lambda x, y: np.cos(x))


def cos(x, name=None) -> Tensor:
    """``cos x``;  ``dy/dx = -sin x``."""
    return elementwise("cos", x, np.cos, lambda x, y: -np.sin(x))


def sigmoid(x, name=None) -> Tensor:
    """``σ(x) = 1/(1 + e⁻ˣ)``;  ``dσ/dx = σ(1 - σ)`` (``activations.Sigmoid``)."""
    return activation("sigmoid", x, activations.sigmoid)


def tanh(x, name=None) -> Tensor:
    """``tanh x``;  ``dy/dx = 1 - tanh² x`` (``activations.Tanh``)."""
    return activation("tanh", x, activations.tanh)


def softplus(x, name=None) -> Tensor:
    """``ln(1 + eˣ)``;  ``dy/dx = σ(x)`` (``activations.Softplus``)."""
    return activation("softplus", x, activations.softplus)


def erf(x, name=None) -> Tensor:
    """``erf x = 2/√π ∫₀ˣ e^(-t²) dt``;  ``dy/dx = 2/√π · e^(-x²)``."""
    return elementwise("erf", x, lambda x: activations.erf(x).astype(x.dtype),
                       lambda x, y: (2 / np.sqrt(np.pi)) * np.exp(-x * x))


def sign(x, name=None) -> Tensor:
    """-1, 0 or 1 (no gradient)."""
    return _no_grad(np.sign, x)


def round(x, name=None) -> Tensor:
    """Round half to even, as TensorFlow (no gradient)."""
    return _no_grad(np.round, x)


def floor(x, name=None) -> Tensor:
    return _no_grad(np.floor, x)


def ceil(x, name=None) -> Tensor:
    return _no_grad(np.ceil, x)


def is_nan(x, name=None) -> Tensor:
    return _no_grad(np.isnan, x)


def is_finite(x, name=None) -> Tensor:
    return _no_grad(np.isfinite, x)


# -- comparisons and logic (no gradient) ------------------------------------------------
def _compare(f, name):
    def op(x, y, name=None) -> Tensor:
        x, y = pair(x, y, name)
        return Tensor(f(x.array, y.array))

    op.__name__ = name
    op.__doc__ = f"Element-wise ``{f.__name__}`` as a bool tensor (no gradient)."
    return op


equal = _compare(np.equal, "equal")
not_equal = _compare(np.not_equal, "not_equal")
less = _compare(np.less, "less")
less_equal = _compare(np.less_equal, "less_equal")
greater = _compare(np.greater, "greater")
greater_equal = _compare(np.greater_equal, "greater_equal")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")


def logical_not(x, name=None) -> Tensor:
    return _no_grad(np.logical_not, x)


# -- reductions ------------------------------------------------------------------------
def _spread(dy: np.ndarray, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> np.ndarray:
    """Put the reduced axes back into ``dy`` (size 1), so it broadcasts against ``x``."""
    return dy if keepdims else np.expand_dims(dy, axes)


def reduce_sum(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``y = Σ x`` over ``axis``;  ``dy/dx = 1``: each ``x`` gets the ``dy`` of its sum."""
    x = as_tensor(input_tensor)
    axes = normalize_axis(axis, x.ndim)
    y = np.sum(x.array, axis=axes, keepdims=keepdims)
    return record(Tensor(y), [x], lambda dy: [
        np.broadcast_to(_spread(dy, x, axes, keepdims), x.shape)], "reduce_sum")


def reduce_mean(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``y = (1/n) Σ x`` over ``axis``;  ``dy/dx = 1/n``."""
    x = as_tensor(input_tensor)
    axes = normalize_axis(axis, x.ndim)
    n = int(np.prod([x.shape[a] for a in axes]))
    y = np.mean(x.array, axis=axes, keepdims=keepdims)
    if x.dtype.kind in "iu":  # TensorFlow's integer mean stays an integer
        y = (np.sum(x.array, axis=axes, keepdims=keepdims) // max(n, 1)).astype(x.dtype)
    return record(Tensor(y), [x], lambda dy: [
        np.broadcast_to(_spread(dy, x, axes, keepdims) / n, x.shape)], "reduce_mean")


def _reduce_extreme(name, f, input_tensor, axis, keepdims) -> Tensor:
    """``max``/``min``: the gradient goes to the entries equal to the result, shared
    equally among ties (as TensorFlow does)."""
    x = as_tensor(input_tensor)
    axes = normalize_axis(axis, x.ndim)
    y = f(x.array, axis=axes, keepdims=keepdims)

    def vjp(dy):
        hit = x.array == _spread(y, x, axes, keepdims)
        share = _spread(dy, x, axes, keepdims) / hit.sum(axis=axes, keepdims=True)
        return [hit * share]

    return record(Tensor(y), [x], vjp, name)


def reduce_max(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``y = max x`` over ``axis``;  ``dy/dx = 1`` at the maximum, 0 elsewhere."""
    return _reduce_extreme("reduce_max", np.max, input_tensor, axis, keepdims)


def reduce_min(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``y = min x`` over ``axis``;  ``dy/dx = 1`` at the minimum, 0 elsewhere."""
    return _reduce_extreme("reduce_min", np.min, input_tensor, axis, keepdims)


def reduce_prod(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``y = Π x`` over ``axis``;  ``dy/dxᵢ = Π_{j≠i} xⱼ``, the product of the others
    (computed without dividing by ``xᵢ``, so zeros are fine)."""
    x = as_tensor(input_tensor)
    axes = normalize_axis(axis, x.ndim)
    y = np.prod(x.array, axis=axes, keepdims=keepdims)

    def vjp(dy):
        # move the reduced axes to the end, flatten them: (rest..., n)
        rest = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x.array, rest + list(axes))
        flat = moved.reshape(*moved.shape[:len(rest)], -1)
        ones = np.ones_like(flat[..., :1])
        before = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
        others = (before * after).reshape(moved.shape)
        others = np.transpose(others, np.argsort(rest + list(axes)))
        return [others * _spread(dy, x, axes, keepdims)]

    return record(Tensor(y), [x], vjp, "reduce_prod")


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``y = ln Σ eˣ``, stably (the maximum is taken out first);  ``dy/dx = softmax(x)``."""
    x = as_tensor(input_tensor)
    axes = normalize_axis(axis, x.ndim)
    m = np.max(x.array, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    y_keep = np.log(np.sum(np.exp(x.array - m), axis=axes, keepdims=True)) + m
    y = y_keep if keepdims else np.squeeze(y_keep, axes)
    return record(Tensor(y), [x], lambda dy: [
        np.exp(x.array - y_keep) * _spread(dy, x, axes, keepdims)], "reduce_logsumexp")


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``mean((x - mean x)²)``, made of ops (its gradient comes from theirs)."""
    x = as_tensor(input_tensor)
    centred = subtract(x, reduce_mean(x, axis, keepdims=True))
    return reduce_mean(square(centred), axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    """``√variance``."""
    return sqrt(reduce_variance(input_tensor, axis, keepdims))


def norm(tensor, ord="euclidean", axis=None, keepdims=False, name=None) -> Tensor:
    """The Euclidean norm ``√Σ x²`` over ``axis`` (all entries by default), made of ops."""
    if ord not in ("euclidean", "fro", 2):
        raise NotImplementedError(_("glassnet's norm computes ord='euclidean' only, not "
                                    "{ord!r}.").format(ord=ord))
    return sqrt(reduce_sum(square(tensor), axis, keepdims))


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running sums along ``axis``;  ``dL/dxᵢ = Σ_{j ≥ i} dL/dyⱼ``: the running sum of ``dy``
    in the other direction."""
    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]

    def run(a, backwards):
        if backwards:
            a = np.flip(a, axis)
        c = np.cumsum(a, axis=axis)
        if exclusive:  # shift by one: each sum leaves out its own entry
            c = np.concatenate([np.zeros_like(np.take(c, [0], axis)),
                                np.take(c, np.arange(c.shape[axis] - 1), axis)], axis)
        return (np.flip(c, axis) if backwards else c).astype(a.dtype, copy=False)

    return record(Tensor(run(x.array, reverse)), [x], lambda dy: [run(dy, not reverse)],
                  "cumsum")


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running products along ``axis``;  ``dL/dxᵢ = (Σ_{j ≥ i} dL/dyⱼ · yⱼ) / xᵢ``: each
    ``yⱼ`` after ``xᵢ`` holds ``xᵢ`` once (TensorFlow's formula: not for ``xᵢ = 0``)."""
    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim)[0]

    def run(a):
        a = np.flip(a, axis) if reverse else a
        c = np.cumprod(a, axis=axis)
        if exclusive:  # shift by one: each product leaves out its own entry
            c = np.concatenate([np.ones_like(np.take(c, [0], axis)),
                                np.take(c, np.arange(c.shape[axis] - 1), axis)], axis)
        return (np.flip(c, axis) if reverse else c).astype(a.dtype, copy=False)

    y = run(x.array)

    def vjp(dy):
        s = cumsum(Tensor(dy * y), axis, exclusive=exclusive, reverse=not reverse).array
        return [s / x.array]

    return record(Tensor(y), [x], vjp, "cumprod")


def reduce_all(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    x = as_tensor(input_tensor)
    return Tensor(np.all(x.array, axis=normalize_axis(axis, x.ndim), keepdims=keepdims))


def reduce_any(input_tensor, axis=None, keepdims=False, name=None) -> Tensor:
    x = as_tensor(input_tensor)
    return Tensor(np.any(x.array, axis=normalize_axis(axis, x.ndim), keepdims=keepdims))


def count_nonzero(input_tensor, axis=None, keepdims=False, dtype=np.int64, name=None):
    x = as_tensor(input_tensor)
    n = np.count_nonzero(x.array, axis=normalize_axis(axis, x.ndim), keepdims=keepdims)
    return Tensor(np.asarray(n, dtype))


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002  (TensorFlow's names)
    """``(values, indices)`` of the ``k`` largest entries along the last axis, largest
    first; ``dx`` gets each ``dvalues`` entry at the index it was taken from."""
    from collections import namedtuple

    x = as_tensor(input)
    k = int(k)
    indices = np.argsort(-x.array, axis=-1, kind="stable")[..., :k]
    values = np.take_along_axis(x.array, indices, axis=-1)

    def vjp(dy):
        dx = np.zeros(x.shape, dy.dtype)
        np.put_along_axis(dx, indices, dy, axis=-1)
        return [dx]

    TopKV2 = namedtuple("TopKV2", ["values", "indices"])
    return TopKV2(record(Tensor(values), [x], vjp, "top_k"),
                  Tensor(indices.astype(np.int32)))


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor:
    """``t · clip_norm / max(‖t‖, clip_norm)``: ``t`` rescaled to norm ``clip_norm`` when
    its norm (over ``axes``, all by default) is larger; made of ops."""
    x = as_tensor(t)
    length = sqrt(reduce_sum(square(x), axes, keepdims=True))
    clip = as_tensor(clip_norm, x.dtype)
    return divide(multiply(x, clip), maximum(length, clip))


def global_norm(t_list, name=None) -> Tensor:
    """``‖(t₁, …, tₙ)‖ = √(Σᵢ ‖tᵢ‖²)``, the norm of all the tensors together (``None``
    entries skipped); made of ops."""
    ts = [as_tensor(t) for t in _tensor_list(t_list, "global_norm") if t is not None]
    if not ts:
        return Tensor(np.zeros((), np.float32))
    return sqrt(add_n([reduce_sum(square(t)) for t in ts]))


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``(tᵢ · c / max(N, c) for each i), N`` with ``N`` the global norm: every tensor is
    scaled by the same factor, so the list keeps its direction and its norm is at most
    ``c``. As in TensorFlow, ``None`` entries stay ``None``, ``use_norm`` replaces ``N``,
    and a norm of ``inf`` or ``nan`` makes every entry ``nan``. Made of ops, so a tape
    differentiates it."""
    t_list = _tensor_list(t_list, "clip_by_global_norm")
    norm = global_norm(t_list) if use_norm is None else as_tensor(use_norm)
    clip = as_tensor(clip_norm, norm.dtype)
    with np.errstate(invalid="ignore"):  # inf - inf = nan, as TensorFlow's scale
        scale = add(divide(clip, maximum(norm, clip)), subtract(norm, norm))
    return [None if t is None else multiply(t, scale) for t in t_list], norm


def _tensor_list(t_list, op: str) -> list:
    if isinstance(t_list, (str, bytes, Tensor, np.ndarray)) or not hasattr(t_list, "__iter__"):
        raise TypeError(_("`t_list` of {op} should be a list of tensors (the gradients "
                          "from tape.gradient); got {kind}.").format(
                              op=op, kind=type(t_list).__name__))
    return list(t_list)


def argmax(input, axis=None, output_type=np.int64, name=None) -> Tensor:
    """Index of the largest entry along ``axis`` (TensorFlow's default: axis 0)."""
    x = as_tensor(input)
    return Tensor(np.argmax(x.array, axis=0 if axis is None else int(axis)).astype(output_type))


def argmin(input, axis=None, output_type=np.int64, name=None) -> Tensor:
    """Index of the smallest entry along ``axis`` (TensorFlow's default: axis 0)."""
    x = as_tensor(input)
    return Tensor(np.argmin(x.array, axis=0 if axis is None else int(axis)).astype(output_type))


# -- the matrix product ------------------------------------------------------------
def _swap(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def matmul(a, b, transpose_a=False, transpose_b=False, name=None) -> Tensor:
    """``C = A · B``;  ``dL/dA = dC · Bᵀ``, ``dL/dB = Aᵀ · dC``.

    The product is over the last two axes; leading (batch) axes broadcast, and their
    gradients are summed back (``unbroadcast``). A 1-D operand is a row (for ``A``) or a
    column (for ``B``) vector, as in ``np.matmul``.
    """
    a, b = pair_matmul(a, b)
    A = a.array if a.ndim > 1 else a.array[None, :]
    B = b.array if b.ndim > 1 else b.array[:, None]
    if transpose_a:
        A = _swap(A)
    if transpose_b:
        B = _swap(B)
    if A.shape[-1] != B.shape[-2]:
        raise InvalidArgumentError(
            _("Matrix size-incompatible for matmul: {shape} @ {shape2}{transposed}: the last "
              "axis of the first ({k}) must equal the second-to-last of the second "
              "({k2}). Transpose one of them (tf.transpose, transpose_b=True).").format(
                  shape=a.shape, shape2=b.shape, k=A.shape[-1], k2=B.shape[-2],
                  transposed=_(" (transposed)") if transpose_a or transpose_b else ""))
    C = A @ B
    y = C[..., 0] if b.ndim == 1 else C  # drop the axes that 1-D operands did not have
    if a.ndim == 1:
        y = y[..., 0] if b.ndim == 1 else y[..., 0, :]

    def vjp(dy):
        dC = dy.reshape(C.shape)
        dA = unbroadcast(dC @ _swap(B), A.shape)
        dB = unbroadcast(_swap(A) @ dC, B.shape)
        if transpose_a:
            dA = _swap(dA)
        if transpose_b:
            dB = _swap(dB)
        return [dA.reshape(a.shape), dB.reshape(b.shape)]

    return record(Tensor(y), [a, b], vjp, "matmul")


def pair_matmul(a, b) -> tuple[Tensor, Tensor]:
    """Both operands of ``matmul`` as tensors (a constant takes a float tensor's dtype)."""
    if not isinstance(a, Tensor) and isinstance(b, Tensor) and b.dtype.kind == "f":
        a = as_tensor(a, b.dtype)
    if not isinstance(b, Tensor) and isinstance(a, Tensor) and a.dtype.kind == "f":
        b = as_tensor(b, a.dtype)
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(_("matmul needs tensors of rank >= 1, got shapes {shape} and "
                           "{shape2}: use tf.multiply (or *) to scale by a number.").format(
                               shape=a.shape, shape2=b.shape))
    return a, b


def einsum(equation: str, *inputs, **kwargs) -> Tensor:
    """Einstein summation (``np.einsum``), e.g. ``"ij,jk->ik"`` for ``matmul``.

    The gradient of operand ``i`` is the einsum of ``dy`` with the other operands back to
    operand ``i``'s indices: ``"ik,jk->ij"`` for ``A`` in ``"ij,jk->ik"``. An index that
    only operand ``i`` has and that is summed away (``"ij->j"``) is broadcast back by an
    extra operand of ones. Explicit ``->`` and no repeated index within one operand."""
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = tuple(inputs[0])
    xs = [as_tensor(t) for t in inputs]
    equation = equation.replace(" ", "")
    if "->" not in equation or "." in equation:
        raise NotImplementedError(_("einsum needs an explicit output ('ij,jk->ik') and no "
                                    "'...'; got {equation!r}.").format(equation=equation))
    left, out = equation.split("->")
    subs = left.split(",")
    if len(subs) != len(xs) or any(len(set(s)) != len(s) for s in subs):
        raise NotImplementedError(_("einsum {equation!r}: one term per operand, without "
                                    "repeated indices in a term (diagonals).").format(
                                        equation=equation))
    y = np.einsum(equation, *(x.array for x in xs))
    sizes = {c: n for sub, x in zip(subs, xs) for c, n in zip(sub, x.shape)}

    def vjp(dy):
        grads = []
        for i, sub in enumerate(subs):
            others = [j for j in range(len(xs)) if j != i]
            known = set(out).union(*(subs[j] for j in others))
            lone = "".join(c for c in sub if c not in known)  # summed away in operand i only
            terms = [out, *(subs[j] for j in others)] + ([lone] if lone else [])
            arrays = [dy, *(xs[j].array for j in others)]
            if lone:
                arrays.append(np.ones([sizes[c] for c in lone], dy.dtype))
            grads.append(np.einsum(",".join(terms) + "->" + sub, *arrays))
        return grads

    return record(Tensor(y), xs, vjp, "einsum")


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=np.int32,
                     name=None) -> Tensor:
    """``C[i, j]``: how many samples of true class ``i`` were predicted as class ``j``
    (the sum of their ``weights`` if given), as ``tf.math.confusion_matrix``. Rows are the
    labels; ``num_classes`` defaults to the largest label or prediction plus one. Integer
    class indices, not one-hot rows or probabilities: ``tf.argmax(p, axis=1)`` first.
    No gradient."""
    y, p = (np.asarray(as_tensor(v).array).reshape(-1) for v in (labels, predictions))
    if y.shape != p.shape:
        raise ValueError(_("confusion_matrix needs as many labels as predictions, got "
                           "{n_y} and {n_p}.").format(n_y=y.size, n_p=p.size))
    if y.size and (y.dtype.kind == "f" and np.any(y != np.round(y))
                   or p.dtype.kind == "f" and np.any(p != np.round(p))):
        raise ValueError(_("confusion_matrix takes class indices (0, 1, 2...), got "
                           "fractions: for probabilities pass tf.argmax(predictions, "
                           "axis=1)."))
    y, p = y.astype(np.int64), p.astype(np.int64)
    n = int(num_classes) if num_classes is not None else (
        int(max(y.max(), p.max())) + 1 if y.size else 0)
    if y.size and (min(y.min(), p.min()) < 0 or max(y.max(), p.max()) >= n):
        raise ValueError(_("confusion_matrix: class indices must be in [0, {n}), got "
                           "labels {y_range} and predictions {p_range}.").format(
                               n=n, y_range=[int(y.min()), int(y.max())],
                               p_range=[int(p.min()), int(p.max())]))
    out = np.zeros((n, n), dtype)
    w = np.ones(y.size) if weights is None else np.asarray(as_tensor(weights).array).reshape(-1)
    np.add.at(out, (y, p), w.astype(dtype))
    return Tensor(out)


# tf ops on symbolic tensors (functional API) record graph nodes, see symbolic.py
from .symbolic import dispatch  # noqa: E402

dispatch(globals())


def __getattr__(name: str):
    """``tf.math.softmax`` and ``tf.math.log_softmax`` are TensorFlow's other names for
    ``tf.nn.softmax`` and ``tf.nn.log_softmax`` (nn.py imports this module, so they are
    looked up on first use)."""
    if name in ("softmax", "log_softmax"):
        from . import nn

        return getattr(nn, name)
    raise AttributeError(_("module {old_path!r} has no attribute {attr!r}").format(
        old_path=__name__, attr=name))
