"""Making tensors and moving their entries around: ``tf.constant``, ``tf.zeros``,
``tf.reshape``, ``tf.concat``, ``tf.gather``, ``tf.where``...

Ops that only move entries have simple derivatives: the gradient moves back the same way
(``reshape``: reshape ``dy`` back; ``transpose``: transpose it back; ``gather``: add
each ``dy`` row into the row it was taken from).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import backend
from ..i18n import _
from ..tape import record
from ..tensor import Tensor, to_array
from ._core import as_tensor, normalize_axis, pair, unbroadcast, value

# TensorFlow's DataType enum: tf.zeros(1, 1) passes the code 1 (DT_FLOAT) as dtype
_TF_DTYPE_CODES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16,
                   6: np.int8, 9: np.int64, 10: np.bool_, 17: np.uint16, 19: np.float16,
                   22: np.uint32, 23: np.uint64}


def _dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy dtype: a name, a NumPy type, or TensorFlow's integer code."""
    if dtype is None:
        return np.dtype(backend.floatx())
    if isinstance(dtype, (int, np.integer)) and not isinstance(dtype, bool):
        if int(dtype) not in _TF_DTYPE_CODES:
            raise TypeError(_("dtype {dtype!r} is not a dtype (TensorFlow's codes are "
                              "{codes}); write e.g. dtype=tf.float32.").format(
                dtype=dtype, codes=sorted(_TF_DTYPE_CODES)))
        return np.dtype(_TF_DTYPE_CODES[int(dtype)])
    return np.dtype(dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    shape = value(shape)
    return (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)


# -- making tensors --------------------------------------------------------------------
def constant(value: Any, dtype: Any = None, shape: Any = None, name=None) -> Tensor:
    """A tensor holding ``value`` (floats become float32, ints int32, as in TensorFlow)."""
    a = to_array(value, dtype)
    if shape is not None:
        a = np.broadcast_to(a, _shape(shape)) if a.size == 1 else a.reshape(_shape(shape))
    return Tensor(np.array(a))


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name=None):
    """``value`` as a tensor; a tensor is returned as it is (so the tape still follows it)."""
    if isinstance(value, Tensor):
        return value if dtype is None else cast(value, dtype)
    if dtype is None and dtype_hint is not None and not isinstance(value, np.ndarray):
        dtype = dtype_hint
    return Tensor(to_array(value, dtype))


def is_tensor(x: Any) -> bool:
    """``tf.is_tensor``: True for a tensor or a ``tf.Variable`` (a Variable is a Tensor in
    TensorFlow too), a ``RaggedTensor`` or a ``SparseTensor``; False for NumPy arrays and
    Python numbers, which ops would convert."""
    from .ragged import RaggedTensor
    from .sparse import SparseTensor

    return isinstance(x, (Tensor, RaggedTensor, SparseTensor))


def zeros(shape, dtype=None, name=None) -> Tensor:
    return Tensor(np.zeros(_shape(shape), _dtype(dtype)))


def ones(shape, dtype=None, name=None) -> Tensor:
    return Tensor(np.ones(_shape(shape), _dtype(dtype)))


def zeros_like(input, dtype=None, name=None) -> Tensor:
    x = as_tensor(input)
    return Tensor(np.zeros(x.shape, x.dtype if dtype is None else dtype))


def ones_like(input, dtype=None, name=None) -> Tensor:
    x = as_tensor(input)
    return Tensor(np.ones(x.shape, x.dtype if dtype is None else dtype))


def fill(dims, value, name=None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value``."""
    v = to_array(value)
    return Tensor(np.full(_shape(dims), v, v.dtype))


def eye(num_rows, num_columns=None, batch_shape=None, dtype=None, name=None) -> Tensor:
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=_dtype(dtype))
    if batch_shape is not None:
        m = np.broadcast_to(m, (*_shape(batch_shape), *m.shape)).copy()
    return Tensor(m)


def range(start, limit=None, delta=1, dtype=None, name=None) -> Tensor:
    """``start, start + delta, ...`` below ``limit`` (``tf.range(5)``: 0..4, int32)."""
    if limit is None:
        start, limit = 0, start
    start, limit, delta = value(start), value(limit), value(delta)
    if dtype is None:
        floats = any(isinstance(v, float) or np.asarray(v).dtype.kind == "f"
                     for v in (start, limit, delta))
        dtype = backend.floatx() if floats else np.int32
    return Tensor(np.arange(start, limit, delta).astype(dtype))


def linspace(start, stop, num, name=None, axis=0) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop``, both included."""
    s = to_array(start)
    dtype = s.dtype if s.dtype.kind == "f" else backend.floatx()
    return Tensor(np.linspace(s, value(stop), int(value(num)), axis=axis).astype(dtype))


def identity(input, name=None) -> Tensor:
    """A new tensor with the same value;  ``dy/dx = 1``."""
    x = as_tensor(input)
    return record(Tensor(x.array.copy()), [x], lambda dy: [dy], "identity")


def stop_gradient(input, name=None) -> Tensor:
    """The same value, seen by the tape as a constant: no gradient flows through it."""
    return Tensor(as_tensor(input).array)


def cast(x, dtype, name=None) -> Tensor:
    """``x`` converted to ``dtype``; the gradient is cast back (none through integers)."""
    x = as_tensor(x)
    dtype = _dtype(dtype)
    y = x.array.astype(dtype)
    if dtype.kind != "f":
        return Tensor(y)
    return record(Tensor(y), [x], lambda dy: [dy.astype(x.dtype)], "cast")


def shape(input, out_type=np.int32, name=None) -> Tensor:
    return Tensor(np.asarray(as_tensor(input).shape, out_type))


def size(input, out_type=np.int32, name=None) -> Tensor:
    return Tensor(np.asarray(as_tensor(input).size, out_type))


def rank(input, name=None) -> Tensor:
    return Tensor(np.asarray(as_tensor(input).ndim, np.int32))


# -- reshaping -----------------------------------------------------------------------
def reshape(tensor, shape, name=None) -> Tensor:
    """The same entries in a new shape (one ``-1`` is inferred);  ``dx = dy`` reshaped back."""
    x = as_tensor(tensor)
    new = _shape(shape)
    try:
        y = x.array.reshape(new)
    except ValueError:
        raise ValueError(_("Cannot reshape a tensor of shape {shape} ({size} entries) "
                           "into shape {new}: the number of entries must stay the same "
                           "(use -1 for one axis to have it computed).").format(
                               shape=x.shape, size=x.size, new=new)) from None
    return record(Tensor(y), [x], lambda dy: [dy.reshape(x.shape)], "reshape")


def transpose(a, perm=None, conjugate=False, name=None) -> Tensor:
    """Axes in the order ``perm`` (reversed by default);  ``dx = dy`` transposed back."""
    x = as_tensor(a)
    if perm is None:
        perm = tuple(builtins.range(x.ndim))[::-1]
    perm = tuple(int(p) for p in value(perm))
    back = tuple(np.argsort(perm))
    return record(Tensor(np.transpose(x.array, perm)), [x],
                  lambda dy: [np.transpose(dy, back)], "transpose")


def expand_dims(input, axis, name=None) -> Tensor:
    """A new axis of size 1 at ``axis``."""
    x = as_tensor(input)
    return record(Tensor(np.expand_dims(x.array, int(axis))), [x],
                  lambda dy: [dy.reshape(x.shape)], "expand_dims")


def squeeze(input, axis=None, name=None) -> Tensor:
    """Remove axes of size 1 (all of them, or those in ``axis``)."""
    x = as_tensor(input)
    axes = None if axis is None else normalize_axis(axis, x.ndim)
    if axes is not None:
        bad = [a for a in axes if x.shape[a] != 1]
        if bad:
            raise ValueError(_("Cannot squeeze axis {bad} of a tensor of shape {shape}: "
                               "it has size {shape2}, not 1.").format(
                                   bad=bad[0], shape=x.shape, shape2=x.shape[bad[0]]))
    return record(Tensor(np.squeeze(x.array, axes)), [x],
                  lambda dy: [dy.reshape(x.shape)], "squeeze")


def concat(values, axis, name=None) -> Tensor:
    """Join tensors along ``axis``;  each input gets its own slice of ``dy`` back."""
    xs = [as_tensor(v) for v in values]
    if xs and xs[0].dtype.kind == "f":
        xs = [x if isinstance(v, Tensor) else as_tensor(v, xs[0].dtype)
              for x, v in zip(xs, values)]
    try:
        y = np.concatenate([x.array for x in xs], axis=int(axis))
    except ValueError:
        raise ValueError(_("concat along axis {axis} needs the same shape on the other "
                           "axes; got shapes {value}.").format(
                               axis=axis, value=[x.shape for x in xs])) from None
    ends = np.cumsum([x.shape[int(axis)] for x in xs])[:-1]
    return record(Tensor(y), xs, lambda dy: np.split(dy, ends, axis=int(axis)), "concat")


def stack(values, axis=0, name=None) -> Tensor:
    """Stack same-shape tensors along a new ``axis``;  input ``i`` gets ``dy``'s slice ``i``."""
    xs = [as_tensor(v) for v in values]
    shapes = {x.shape for x in xs}
    if len(shapes) > 1:
        raise ValueError(_("stack needs tensors of one shape; got shapes {value}.").format(
                               value=[x.shape for x in xs]))
    y = np.stack([x.array for x in xs], axis=int(axis))
    return record(Tensor(y), xs, lambda dy: list(np.moveaxis(dy, int(axis), 0)), "stack")


def unstack(value, num=None, axis=0, name=None) -> list[Tensor]:
    """The slices of ``value`` along ``axis``, as a list."""
    x = as_tensor(value)
    return [getitem(x, (slice(None),) * (int(axis) % x.ndim) + (i,))
            for i in builtins.range(x.shape[int(axis)])]


def split(value, num_or_size_splits, axis=0, num=None, name=None) -> list[Tensor]:
    """``value`` cut along ``axis`` into equal parts (an int) or parts of the given sizes;
    each part is a slice, so its gradient goes back to its own entries."""
    x = as_tensor(value)
    axis = int(axis) % x.ndim
    n = x.shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if n % k:
            raise ValueError(_("Cannot split an axis of size {n} into {k} equal parts; "
                               "give the sizes of the parts instead.").format(n=n, k=k))
        sizes = [n // k] * k
    else:
        sizes = [int(s) for s in as_tensor(num_or_size_splits).array.ravel()]
    if builtins.sum(sizes) != n:
        raise ValueError(_("split sizes {sizes} add up to {sum}, but the axis has size "
                           "{n}.").format(sizes=sizes, sum=builtins.sum(sizes), n=n))
    ends = np.cumsum([0, *sizes])
    lead = (slice(None),) * axis
    return [getitem(x, (*lead, slice(int(a), int(b)))) for a, b in zip(ends[:-1], ends[1:])]


def tile(input, multiples, name=None) -> Tensor:
    """Repeat ``input`` ``multiples[i]`` times along axis ``i``;  ``dx`` sums the copies."""
    x = as_tensor(input)
    reps = _shape(multiples)
    y = np.tile(x.array, reps)

    def vjp(dy):
        split = dy.reshape([n for r, s in zip(reps, x.shape) for n in (r, s)])
        return [split.sum(axis=tuple(builtins.range(0, 2 * x.ndim, 2)))]

    return record(Tensor(y), [x], vjp, "tile")


def pad(tensor, paddings, mode: str = "CONSTANT", constant_values=0, name=None) -> Tensor:
    """``tensor`` with ``paddings[i] = [before, after]`` entries added along axis ``i``:
    ``constant_values`` (``mode="CONSTANT"``), or the mirror image (``"REFLECT"``: without
    the edge, ``"SYMMETRIC"``: with it);  ``dx`` is ``dy`` without the padding (for the
    mirror modes, the mirrored entries' gradients added back onto their sources)."""
    x = as_tensor(tensor)
    widths = [tuple(int(v) for v in row) for row in np.asarray(value(paddings)).reshape(-1, 2)]
    mode = str(mode).upper()
    modes = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}
    if mode not in modes or len(widths) != x.ndim:
        raise ValueError(_("tf.pad needs one [before, after] pair per axis ({ndim}) and mode "
                           "'CONSTANT', 'REFLECT' or 'SYMMETRIC'; got paddings {paddings} and "
                           "mode {mode!r}.").format(ndim=x.ndim, paddings=widths, mode=mode))
    if mode == "CONSTANT":
        y = np.pad(x.array, widths, constant_values=value(constant_values))
    else:
        y = np.pad(x.array, widths, mode=modes[mode])
    inner = tuple(builtins.slice(b, b + n) for (b, _), n in zip(widths, x.shape))

    def vjp(dy):
        if mode == "CONSTANT":
            return [dy[inner]]
        # each output entry is a copy of one input entry: pad the entries' indices the
        # same way, then add every dy onto the index it was copied from
        index = np.pad(np.arange(x.size).reshape(x.shape), widths, mode=modes[mode])
        dx = np.zeros(x.size, dy.dtype)
        np.add.at(dx, index.reshape(-1), dy.reshape(-1))
        return [dx.reshape(x.shape)]

    return record(Tensor(y), [x], vjp, "pad")


def meshgrid(*args, indexing: str = "xy", name=None) -> list[Tensor]:
    """Coordinate grids of the 1-D ``args`` (NumPy's ``meshgrid``; no gradient)."""
    return [Tensor(a) for a in np.meshgrid(*(as_tensor(a).array for a in args),
                                           indexing=indexing)]


# -- picking entries -----------------------------------------------------------------
def _index(index):
    """An index with tensors replaced by their arrays."""
    if isinstance(index, tuple):
        return tuple(value(i) for i in index)
    return value(index)


def getitem(x, index) -> Tensor:
    """``x[index]`` (NumPy indexing);  ``dx`` is zero except where entries were taken,
    which receive ``dy`` (added up when an entry was taken twice)."""
    x = as_tensor(x)
    index = _index(index)
    y = x.array[index]

    def vjp(dy):
        dx = np.zeros(x.shape, dy.dtype)
        np.add.at(dx, index, dy) if _advanced(index) else dx.__setitem__(index, dy)
        return [dx]

    return record(Tensor(y), [x], vjp, "getitem")


def _advanced(index) -> bool:
    """True when NumPy would use advanced indexing (an entry may be taken twice)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray)) for p in parts)


def gather(params, indices, validate_indices=None, axis=None, batch_dims=0, name=None):
    """Entries ``indices`` of ``params`` along ``axis`` (default 0), as ``tf.gather``;
    ``dparams`` adds each ``dy`` slice into the slice it was taken from."""
    p = as_tensor(params)
    idx = np.asarray(value(indices))
    axis = 0 if axis is None else int(axis) % p.ndim
    n = p.shape[axis]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(_("gather: index {bad} is out of range for axis {axis} of size "
                           "{n} (shape {shape}): indices must be in [0, {n}).").format(
                               bad=int(bad), axis=axis, n=n, shape=p.shape))
    y = np.take(p.array, idx, axis=axis)

    def vjp(dy):
        dp = np.zeros(p.shape, dy.dtype)
        dy_first = np.moveaxis(dy, tuple(builtins.range(axis, axis + idx.ndim)),
                               tuple(builtins.range(idx.ndim)))
        np.add.at(np.moveaxis(dp, axis, 0), idx, dy_first)
        return [dp]

    return record(Tensor(y), [p], vjp, "gather")


def one_hot(indices, depth=None, on_value=None, off_value=None, axis=None, dtype=None,
            name=None, *, num_classes=None, sparse=False):
    """``indices`` as one-hot vectors of length ``depth`` (a -1 or out-of-range index gives
    a row of zeros, as in TensorFlow). Keras 3's ``ops.one_hot(x, num_classes)`` names the
    length ``num_classes``."""
    if depth is None:
        depth = num_classes
    if depth is None:
        raise TypeError(_("one_hot needs the number of classes: tf.one_hot(indices, depth) "
                          "or keras.ops.one_hot(x, num_classes)."))
    if sparse:
        raise NotImplementedError(_("one_hot(sparse=True): glassnet has no sparse tensors."))
    idx = np.asarray(value(indices)).astype(np.int64)
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    on = 1 if on_value is None else value(on_value)
    off = 0 if off_value is None else value(off_value)
    out = np.where(idx[..., None] == np.arange(int(depth)), on, off).astype(dtype)
    if axis is not None and int(axis) != -1:
        out = np.moveaxis(out, -1, int(axis))
    return Tensor(out)


def where(condition, x=None, y=None, name=None) -> Tensor:
    """``x`` where ``condition`` holds, else ``y``;  ``dx = dz`` where it holds, ``dy`` the
    rest. With only ``condition``: the indices of its true entries, ``(n, rank)``."""
    c = np.asarray(value(condition)).astype(bool)
    if x is None and y is None:
        return Tensor(np.argwhere(c).astype(np.int64))
    if x is None or y is None:
        raise ValueError(_("tf.where needs both x and y, or neither."))
    a, b = pair(x, y, "where")
    try:
        out = np.where(c, a.array, b.array)
    except ValueError:
        raise ValueError(_("Incompatible shapes for where: condition {shape}, x "
                           "{shape2}, y {shape3}.").format(
                               shape=c.shape, shape2=a.shape, shape3=b.shape)) from None
    def vjp(dz):
        return [unbroadcast(np.where(c, dz, 0), a.shape), unbroadcast(np.where(c, 0, dz), b.shape)]

    return record(Tensor(out), [a, b], vjp, "where")


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """``min(max(t, lo), hi)``;  ``dt = dy`` inside ``[lo, hi]``, 0 where clipped."""
    x = as_tensor(t)
    lo, hi = to_array(value(clip_value_min)), to_array(value(clip_value_max))
    y = np.clip(x.array, lo, hi).astype(x.dtype)
    inside = (x.array >= lo) & (x.array <= hi)
    return record(Tensor(y), [x], lambda dy: [dy * inside], "clip_by_value")


def boolean_mask(tensor, mask, axis=None, name=None) -> Tensor:
    """The entries of ``tensor`` where ``mask`` is True, as ``tf.boolean_mask``.

    ``mask`` (k dimensions) covers axes ``axis .. axis + k - 1`` of ``tensor``, which are
    flattened into one axis of the kept entries. ``dx`` is ``dy`` put back where the
    entries were taken from, zero elsewhere.
    """
    x = as_tensor(tensor)
    m = np.asarray(value(mask), dtype=bool)
    axis = 0 if axis is None else int(axis) % x.ndim
    if x.shape[axis:axis + m.ndim] != m.shape:
        raise ValueError(_("boolean_mask: the mask of shape {got} must match axes {axis}.."
                           "{last} of the tensor of shape {shape}, i.e. have shape "
                           "{want}.").format(got=m.shape, axis=axis, last=axis + m.ndim - 1,
                                             shape=x.shape,
                                             want=x.shape[axis:axis + m.ndim]))
    index = (slice(None),) * axis + (m,)
    y = x.array[index]

    def vjp(dy):
        dx = np.zeros(x.shape, dy.dtype)
        dx[index] = dy
        return [dx]

    return record(Tensor(y), [x], vjp, "boolean_mask")


def broadcast_to(input, shape, name=None) -> Tensor:
    """``input`` repeated to ``shape`` by broadcasting; ``dx`` sums ``dy`` over the copies."""
    x = as_tensor(input)
    y = np.array(np.broadcast_to(x.array, _shape(shape)))
    return record(Tensor(y), [x], lambda dy: [unbroadcast(dy, x.shape)], "broadcast_to")


def slice_(input_, begin, size, name=None) -> Tensor:
    """``tf.slice``: ``input_[begin[i] : begin[i] + size[i]]`` on each axis (``size[i] = -1``:
    to the end); the gradient is ``getitem``'s. (Named ``slice_`` here so that Python's
    ``slice`` stays usable in this module.)"""
    x = as_tensor(input_)
    begin, size = _shape(begin), np.atleast_1d(value(size)).astype(int)
    index = tuple(builtins.slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))
    return getitem(x, index)


def _nd_index(indices: np.ndarray) -> tuple[np.ndarray, ...]:
    """Index arrays for NumPy from TensorFlow's ``indices[..., k]`` (one row per entry)."""
    return tuple(np.moveaxis(indices, -1, 0))


def gather_nd(params, indices, batch_dims=0, name=None) -> Tensor:
    """``y[i] = params[indices[i]]``, each row of ``indices`` addressing the first
    ``indices.shape[-1]`` axes; ``dparams`` adds each ``dy[i]`` back where it came from."""
    p = as_tensor(params)
    idx = np.asarray(value(indices), dtype=np.int64)
    index = _nd_index(idx)
    y = p.array[index]

    def vjp(dy):
        dp = np.zeros(p.shape, dy.dtype)
        np.add.at(dp, index, dy)
        return [dp]

    return record(Tensor(np.array(y)), [p], vjp, "gather_nd")


def scatter_nd(indices, updates, shape, name=None) -> Tensor:
    """Zeros of ``shape`` with ``updates[i]`` added at ``indices[i]`` (repeats add up);
    ``dupdates[i] = dy[indices[i]]``."""
    u = as_tensor(updates)
    idx = np.asarray(value(indices), dtype=np.int64)
    index = _nd_index(idx)
    y = np.zeros(_shape(shape), u.dtype)
    np.add.at(y, index, u.array)
    return record(Tensor(y), [u], lambda dy: [np.array(dy[index])], "scatter_nd")


def _tensor_scatter(tensor, indices, updates, how: str) -> Tensor:
    """``tensor`` with the entries at ``indices`` combined with ``updates`` (see below)."""
    t = as_tensor(tensor)
    u = as_tensor(updates, t.dtype)
    index = _nd_index(np.asarray(value(indices), dtype=np.int64))
    y = t.array.copy()
    if how == "update":
        y[index] = u.array
    elif how == "add":
        np.add.at(y, index, u.array)
    elif how == "sub":
        np.subtract.at(y, index, u.array)
    elif how == "min":
        np.minimum.at(y, index, u.array)
    else:
        np.maximum.at(y, index, u.array)

    def vjp(dy):
        if how in ("min", "max"):  # the gradient goes to whichever value was kept
            from_u = np.zeros(t.shape, bool)
            from_u[index] = y[index] == u.array
            dt = np.where(from_u, 0, dy)
            return [dt, np.where(from_u[index], dy[index], 0)]
        dt = dy.copy()
        if how == "update":
            dt[index] = 0  # the replaced entries no longer depend on tensor
        du = np.array(dy[index])
        return [dt, -du if how == "sub" else du]

    return record(Tensor(y), [t, u], vjp, f"tensor_scatter_nd_{how}")


def tensor_scatter_nd_update(tensor, indices, updates, name=None) -> Tensor:
    """A copy of ``tensor`` with ``updates[i]`` written at ``indices[i]``;
    ``dtensor = dy`` except at those entries (0), ``dupdates[i] = dy[indices[i]]``."""
    return _tensor_scatter(tensor, indices, updates, "update")


def tensor_scatter_nd_add(tensor, indices, updates, name=None) -> Tensor:
    """``tensor`` with ``updates[i]`` added at ``indices[i]``; ``dtensor = dy``."""
    return _tensor_scatter(tensor, indices, updates, "add")


def tensor_scatter_nd_sub(tensor, indices, updates, name=None) -> Tensor:
    """``tensor`` with ``updates[i]`` subtracted at ``indices[i]``."""
    return _tensor_scatter(tensor, indices, updates, "sub")


def tensor_scatter_nd_min(tensor, indices, updates, name=None) -> Tensor:
    """``tensor`` with ``min(tensor[indices[i]], updates[i])`` at ``indices[i]``."""
    return _tensor_scatter(tensor, indices, updates, "min")


def tensor_scatter_nd_max(tensor, indices, updates, name=None) -> Tensor:
    """``tensor`` with ``max(tensor[indices[i]], updates[i])`` at ``indices[i]``."""
    return _tensor_scatter(tensor, indices, updates, "max")


def timestamp(name=None) -> Tensor:
    """Seconds since the Unix epoch, a float64 scalar (``tf.timestamp()``)."""
    import time

    return Tensor(np.float64(time.time()))


def broadcast_static_shape(shape_x, shape_y):
    """The shape two shapes broadcast to (``tf.broadcast_static_shape``)."""
    from ..tensor_shape import TensorShape

    return TensorShape(np.broadcast_shapes(tuple(shape_x), tuple(shape_y)))


def broadcast_dynamic_shape(shape_x, shape_y) -> Tensor:
    """The same, for shapes given as tensors (``tf.shape(x)``): an int32 tensor."""
    x, y = (tuple(int(d) for d in np.asarray(value(s)).ravel()) for s in (shape_x, shape_y))
    return Tensor(np.asarray(np.broadcast_shapes(x, y), np.int32))


# tf ops on symbolic tensors (functional API) record graph nodes, see symbolic.py
from .symbolic import dispatch  # noqa: E402

dispatch(globals())
