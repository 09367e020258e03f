"""``Tensor`` and ``Variable``: a NumPy array that the tape can follow.

A ``Tensor`` holds one NumPy array (``t.numpy()``). Its Python operators (``a + b``,
``a @ b``, ``-a``, ``a[0]``) are glassnet ops, so when a ``GradientTape`` is recording,
each of them is written on the tape with its local derivative (see ``tape.py``).
Tensors are not changed after they are made: an op always returns a new one.

A ``Variable`` is a tensor whose value can change (``assign``, ``assign_add``): the
weights of a layer, or any state of a training loop. Trainable variables are watched
by every recording tape without ``tape.watch``.

A variable reads its value from a slot ``store[key]`` of a dictionary. A plain
``tf.Variable(3.0)`` owns a one-entry dictionary; a layer's weight is backed by the
layer's own ``params`` dictionary, so that when a model moves all weights into views of
one flat vector θ (``layer.params["kernel"] = view``), the variable sees the view, and
``assign`` writes into θ in place.

    >>> import glassnet as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> x * 3
    <tf.Tensor: shape=(2,), dtype=float32, numpy=array([3., 6.], dtype=float32)>
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import backend
from .i18n import _
from .tensor_shape import TensorShape


def _ops():
    """The ops module, imported on first use (it imports this module)."""
    from . import ops

    return ops


class Tensor:
    """An immutable array with an identity the tape can follow.

    Attributes:
        array: the NumPy array itself (not a copy: do not write into it).
    """

    # NumPy defers to these operators (ndarray + Tensor gives a Tensor) ...
    __array_priority__ = 1000

    def __init__(self, value: Any, dtype: Any = None) -> None:
        self._array = np.asarray(value, dtype=dtype)

    @property
    def array(self) -> np.ndarray:
        return self._array

    # -- what it holds --------------------------------------------------------
    def numpy(self) -> np.ndarray | np.generic:
        """The value as a NumPy array (a NumPy scalar for a 0-d tensor), as TensorFlow gives."""
        a = self.array
        return a[()] if a.ndim == 0 else a

    @property
    def shape(self) -> TensorShape:
        """The shape: a tuple, with TensorFlow's ``as_list()``, ``rank``..."""
        return tuple.__new__(TensorShape, self.array.shape)  # NumPy's ints: nothing to check

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def size(self) -> int:
        return int(self.array.size)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        a = self.array
        if dtype is not None and np.dtype(dtype) != a.dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    # -- NumPy functions on tensors (np.exp(t), np.sum(t)) ----------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _ops().numpy_interop.apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _ops().numpy_interop.apply_function(func, args, kwargs)

    # -- Python protocol ------------------------------------------------------
    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError(_("len() of a 0-d tensor (a scalar) is not defined."))
        return len(self.array)

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError(_("Cannot iterate over a 0-d tensor (a scalar)."))
        return (self[i] for i in range(len(self.array)))

    def __getitem__(self, index) -> Tensor:
        return _ops().getitem(self, index)

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __index__(self) -> int:
        if not np.issubdtype(self.dtype, np.integer):
            raise TypeError(_("Only integer tensors can be used as an index, not {dtype}.").format(
                                  dtype=self.dtype))
        return int(self._scalar("int"))

    def __bool__(self) -> bool:
        return bool(self._scalar("bool"))

    def _scalar(self, kind: str):
        if self.array.size != 1:
            raise TypeError(_("{kind}() needs a tensor with one element, this one has "
                              "shape {shape}. Reduce it first (tf.reduce_sum, "
                              "tf.reduce_any).").format(kind=kind, shape=self.shape))
        return self.array.reshape(())[()]

    def __format__(self, spec: str) -> str:  # f"{loss:.4f}" for a scalar tensor
        return format(self.numpy(), spec) if self.ndim == 0 else format(str(self), spec)

    __hash__ = object.__hash__  # by identity, as the tape does (TensorFlow refuses hashing)

    #: where TensorFlow placed the tensor: glassnet computes on the CPU, with NumPy
    device = "/job:localhost/replica:0/task:0/device:CPU:0"

    def __repr__(self) -> str:
        value = np.array2string(self.array, separator=", ", prefix="numpy=array(")
        if self.ndim:
            value = f"array({value}, dtype={self.dtype})"
        return f"<tf.Tensor: shape={self.shape}, dtype={self.dtype}, numpy={value}>"

    def __str__(self) -> str:
        return f"tf.Tensor({np.array2string(self.array)}, shape={self.shape}, dtype={self.dtype})"

    # -- operators: each is a glassnet op, recorded on a tape -----------------
    def __add__(self, other):
        return _ops().add(self, other)

    def __radd__(self, other):
        return _ops().add(other, self)

    def __sub__(self, other):
        return _ops().subtract(self, other)

    def __rsub__(self, other):
        return _ops().subtract(other, self)

    def __mul__(self, other):
        return _ops().multiply(self, other)

    def __rmul__(self, other):
        return _ops().multiply(other, self)

    def __truediv__(self, other):
        return _ops().divide(self, other)

    def __rtruediv__(self, other):
        return _ops().divide(other, self)

    def __floordiv__(self, other):
        return _ops().floordiv(self, other)

    def __rfloordiv__(self, other):
        return _ops().floordiv(other, self)

    def __mod__(self, other):
        return _ops().mod(self, other)

    def __rmod__(self, other):
        return _ops().mod(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(other, self)

    def __pow__(self, other):
        return _ops().pow(self, other)

    def __rpow__(self, other):
        return _ops().pow(other, self)

    def __neg__(self):
        return _ops().negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops().abs(self)

    def __eq__(self, other):  # element-wise, as in TensorFlow 2
        if not _comparable(other):
            return NotImplemented  # e.g. pytest.approx: let it compare
        return _ops().equal(self, other)

    def __ne__(self, other):
        if not _comparable(other):
            return NotImplemented
        return _ops().not_equal(self, other)

    def __lt__(self, other):
        return _ops().less(self, other)

    def __le__(self, other):
        return _ops().less_equal(self, other)

    def __gt__(self, other):
        return _ops().greater(self, other)

    def __ge__(self, other):
        return _ops().greater_equal(self, other)

    def __and__(self, other):
        return _ops().logical_and(self, other)

    def __or__(self, other):
        return _ops().logical_or(self, other)

    def __invert__(self):
        return _ops().logical_not(self)

    # -- a few TensorFlow methods --------------------------------------------
    def get_shape(self) -> TensorShape:
        return self.shape


class Variable(Tensor):
    """A tensor whose value can be changed in place: ``v.assign(new)``.

    ``Variable(initial_value, trainable=True, name=None, dtype=None)`` as in TensorFlow.
    ``Variable.slot(store, key, name=..., trainable=...)`` makes a variable that reads
    ``store[key]`` live (a layer's weight), so rebinding the slot to another array of the
    same shape is seen at once.
    """

    _count = 0

    def __init__(self, initial_value: Any = None, trainable: bool = True,
                 name: str | None = None, dtype: Any = None, shape: Any = None, *,
                 initializer: Any = None, **ignored: Any) -> None:
        # TensorFlow's and Keras 3's distribution/graph options have no meaning here
        unknown = set(ignored) - _IGNORED_VARIABLE_ARGS
        if unknown:
            raise TypeError(_("Variable() got unexpected keyword argument(s) {names}.").format(
                names=sorted(unknown)))
        if initializer is not None and initial_value is not None:
            raise ValueError(_("Give a Variable one start: initial_value (TensorFlow) or "
                               "initializer (Keras 3), not both."))
        start = initial_value if initializer is None else initializer
        if start is None:
            raise ValueError(_("tf.Variable needs an initial value, e.g. tf.Variable(0.0), "
                               "tf.Variable(tf.zeros((3, 2))) or keras.Variable(initializer="
                               "'zeros', shape=(3, 2))."))
        if initializer is not None and callable(start) and not isinstance(start, str):
            start = _InitializerFunction(start)
        value = np.array(self._start_value(start, shape, dtype))  # own a copy
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(_("Variable: the initial value has shape {have}, but shape={want} "
                               "was given; give a value of that shape.").format(
                have=value.shape, want=tuple(shape)))
        self._init_slot({"value": value}, "value", name, trainable)

    @staticmethod
    def _start_value(start: Any, shape: Any, dtype: Any) -> np.ndarray:
        """The first value from a value, a zero-argument function (TensorFlow), or an
        initializer name or object called with ``(shape, dtype)`` (Keras 3's
        ``keras.Variable(initializer="zeros", shape=(3,))``)."""
        from . import initializers

        named = initializers.is_name(start)  # else a string is the value: tf.Variable("a")
        if named or isinstance(start, (initializers.Initializer, _InitializerFunction)):
            if shape is None:
                raise ValueError(_("keras.Variable(initializer={start!r}) needs shape=..., "
                                   "e.g. shape=(3, 2).").format(start=start))
            init = initializers.get(start)
            return to_array(init(tuple(shape), dtype=dtype or backend.floatx()), dtype)
        if callable(start):
            start = start()
        return to_array(start, dtype)

    @classmethod
    def slot(cls, store: dict, key: str, *, name: str, trainable: bool = True) -> Variable:
        """A variable that is ``store[key]``, read live and written in place."""
        v = cls.__new__(cls)
        v._init_slot(store, key, name, trainable)
        return v

    def _init_slot(self, store: dict, key: str, name: str | None, trainable: bool) -> None:
        self._store, self._key = store, key
        if name is None:
            name = "Variable" if Variable._count == 0 else f"Variable_{Variable._count}"
            Variable._count += 1
        self._name = name
        self._trainable = bool(trainable)

    def attach(self, store: dict, key: str) -> None:
        """Move this variable's value into ``store[key]`` and read it from there from now on
        (a layer adopting a ``tf.Variable`` assigned to one of its attributes)."""
        store[key] = self._store[self._key]
        self._store, self._key = store, key

    @property
    def array(self) -> np.ndarray:
        return self._store[self._key]

    @property
    def name(self) -> str:
        return self._name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)

    def numpy(self) -> np.ndarray | np.generic:
        """A copy of the current value (writing into it does not change the variable)."""
        a = self.array.copy()
        return a[()] if a.ndim == 0 else a

    def value(self) -> Tensor:
        """The current value, as a tensor that does not change with later assigns."""
        return _ops().identity(self)

    read_value = value

    # -- changing the value, in place ------------------------------------------
    def assign(self, value, read_value: bool = True):
        """``v ← value`` (same shape). Not recorded on a tape: assignment has no derivative."""
        self.array[...] = self._checked(value, "assign")
        return self if read_value else None

    def assign_add(self, delta, read_value: bool = True):
        """``v ← v + delta``, in place."""
        self.array[...] += self._checked(delta, "assign_add")
        return self if read_value else None

    def assign_sub(self, delta, read_value: bool = True):
        """``v ← v - delta``, in place."""
        self.array[...] -= self._checked(delta, "assign_sub")
        return self if read_value else None

    def _checked(self, value, what: str) -> np.ndarray:
        value = np.asarray(value)
        try:
            np.broadcast_to(value, self.shape)
        except ValueError:
            raise ValueError(_("Variable {name!r} of shape {shape} cannot {what} a value "
                               "of shape {got}: the shapes must match.").format(
                                   name=self.name, shape=self.shape, what=what,
                                   got=value.shape)) from None
        return value

    def __getitem__(self, index) -> VariableSlice:
        """``v[i]``: a tensor, as any slice, that can also be assigned (TensorFlow's
        ``v[0, 0].assign(3.0)``, ``v[:, 1].assign_add(...)``)."""
        from .tape import record

        t = super().__getitem__(index)
        return record(VariableSlice(t.array, self, index), [t], lambda dy: [dy], "identity")

    def __repr__(self) -> str:
        value = np.array2string(self.array, separator=", ", prefix="numpy=array(")
        if self.ndim:
            value = f"array({value}, dtype={self.dtype})"
        return (f"<tf.Variable '{self.name}:0' shape={self.shape} dtype={self.dtype}, "
                f"numpy={value}>")

    __str__ = __repr__


class VariableSlice(Tensor):
    """``v[index]`` of a variable: its value when read (a snapshot, like any tensor), and a
    window to write through: ``v[0, 0].assign(3.0)`` sets ``v[0, 0]`` in place."""

    def __init__(self, value: np.ndarray, variable: Variable, index: Any) -> None:
        super().__init__(np.array(value))
        self.variable, self.index = variable, index

    def assign(self, value, read_value: bool = True):
        """``v[index] ← value``; returns the variable, as TensorFlow does."""
        self.variable.array[self.index] = self._checked(value, "assign")
        return self.variable if read_value else None

    def assign_add(self, delta, read_value: bool = True):
        """``v[index] ← v[index] + delta``."""
        self.variable.array[self.index] += self._checked(delta, "assign_add")
        return self.variable if read_value else None

    def assign_sub(self, delta, read_value: bool = True):
        """``v[index] ← v[index] - delta``."""
        self.variable.array[self.index] -= self._checked(delta, "assign_sub")
        return self.variable if read_value else None

    def _checked(self, value, what: str) -> np.ndarray:
        value = to_array(value)
        try:
            np.broadcast_to(value, self.shape)
        except ValueError:
            raise ValueError(_("The slice of variable {name!r} has shape {shape} and cannot "
                               "{what} a value of shape {other}: the shapes must match.").format(
                name=self.variable.name, shape=self.shape, what=what,
                other=value.shape)) from None
        return value


_IGNORED_VARIABLE_ARGS = {"validate_shape", "caching_device", "variable_def", "import_scope",
                          "synchronization", "aggregation", "autocast"}


class _InitializerFunction:
    """A function ``f(shape, dtype)`` given as Keras 3's ``initializer=``."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, shape, dtype=None):
        return self.fn(shape, dtype=dtype)


def _comparable(value: Any) -> bool:
    """Numbers, arrays, tensors and nested lists compare element-wise; other objects decide."""
    return isinstance(value, (Tensor, np.ndarray, np.generic, int, float, bool, list, tuple))


def to_array(value: Any, dtype: Any = None) -> np.ndarray:
    """The array of ``value``, with TensorFlow's dtype rules.

    A tensor or NumPy array keeps its dtype; Python numbers and lists get ``floatx()``
    (float32) for floats, int32 for integers, bool for booleans. ``dtype`` overrides both.
    """
    if isinstance(value, Tensor):
        value = value.array
    elif isinstance(value, (list, tuple)) and any(isinstance(v, Tensor) for v in value):
        value = [to_array(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value, dtype=dtype)
    value = np.asarray(value, dtype=dtype)
    if dtype is None and value.dtype.kind == "f":
        return value.astype(backend.floatx(), copy=False)
    if dtype is None and value.dtype.kind in "iu":
        return value.astype(np.int32, copy=False)
    return value
