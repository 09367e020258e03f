"""TensorFlow's graph-building helpers, run eagerly: ``tf.cond``, ``tf.while_loop``,
``tf.TensorArray``, ``tf.custom_gradient``, ``tf.name_scope``, ``tf.nest``.

Inside ``@tf.function`` TensorFlow turns these into graph nodes; glassnet runs every
function eagerly (see ``tf.function``), so each is the Python statement it stands for::

    tf.cond(x > 0, lambda: x, lambda: -x)           # x if x > 0 else -x
    tf.while_loop(lambda i: i < 10, lambda i: i + 1, [0])

The tape records the ops the branches and the loop body run, so gradients flow through
them as through any Python ``if`` and ``for``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..i18n import _
from ..tape import flatten as _flatten
from ..tape import map_structure as _map_structure
from ..tape import paused, record
from ..tensor import Tensor
from ._core import as_tensor
from .array import stack, unstack


def cond(pred, true_fn: Callable | None = None, false_fn: Callable | None = None,
         name=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()


def while_loop(cond: Callable, body: Callable, loop_vars, shape_invariants=None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory=False,
               maximum_iterations=None, name=None):
    """``while cond(*v): v = body(*v)``; returns the final ``loop_vars`` (same structure)."""
    single = not isinstance(loop_vars, (list, tuple))
    values = [loop_vars] if single else list(loop_vars)
    steps = 0
    while bool(cond(*values)):
        if maximum_iterations is not None and steps >= int(maximum_iterations):
            break
        out = body(*values)
        values = [out] if single or not isinstance(out, (list, tuple)) else list(out)
        steps += 1
    return values[0] if single else type(loop_vars)(values)


class TensorArray:
    """``tf.TensorArray``: a list of tensors written by index, read back or ``stack``-ed
    into one tensor (the gradient flows through ``stack`` to the written tensors)."""

    def __init__(self, dtype=None, size: int = 0, dynamic_size: bool = False,
                 clear_after_read=None, element_shape=None, infer_shape=True, name=None):
        self.dtype = dtype
        self.items: list[Tensor | None] = [None] * int(size)
        self.dynamic_size = dynamic_size

    def write(self, index, value) -> TensorArray:
        i = int(index)
        if i >= len(self.items):
            if not self.dynamic_size and self.items:
                raise IndexError(_("TensorArray of size {n}: cannot write index {i}; make it "
                                   "with dynamic_size=True to grow.").format(
                                       n=len(self.items), i=i))
            self.items += [None] * (i + 1 - len(self.items))
        self.items[i] = as_tensor(value, self.dtype)
        return self

    def read(self, index) -> Tensor:
        return self.items[int(index)]

    def size(self) -> Tensor:
        return Tensor(np.int32(len(self.items)))

    def stack(self, name=None) -> Tensor:
        missing = [i for i, t in enumerate(self.items) if t is None]
        if missing:
            raise ValueError(_("TensorArray.stack: entries {missing} were never "
                               "written.").format(missing=missing))
        return stack(self.items)

    def unstack(self, value, name=None) -> TensorArray:
        self.items = list(unstack(as_tensor(value, self.dtype)))
        return self

    def gather(self, indices, name=None) -> Tensor:
        return stack([self.items[int(i)] for i in np.asarray(as_tensor(indices).array)])

    def concat(self, name=None) -> Tensor:
        from .array import concat

        return concat(self.items, axis=0)


def custom_gradient(f: Callable | None = None):
    """``@tf.custom_gradient``: ``f(*x)`` returns ``(y, grad_fn)``; the tape then uses
    ``grad_fn(dy)`` (the gradients of the inputs, one per input) instead of
    differentiating what ``f`` computed."""
    if f is None:
        return custom_gradient

    def wrapped(*args, **kwargs):
        xs = [as_tensor(a) for a in args]
        with paused():  # f's own ops are not recorded: grad_fn stands for them
            y, grad_fn = f(*xs, **kwargs)
        outputs = [as_tensor(t) for t in _flatten(y)]

        def vjp_for(k: int):
            def vjp(dy):
                upstream = [Tensor(dy) if j == k else Tensor(np.zeros_like(o.array))
                            for j, o in enumerate(outputs)]
                grads = grad_fn(*upstream)
                grads = list(grads) if isinstance(grads, (list, tuple)) else [grads]
                return [None if g is None else np.asarray(as_tensor(g).array, x.dtype)
                        for g, x in zip(grads, xs)]
            return vjp

        recorded = [record(Tensor(o.array), xs, vjp_for(k), getattr(f, "__name__", "custom"))
                    for k, o in enumerate(outputs)]
        if isinstance(y, (list, tuple)):
            return type(y)(recorded)
        return recorded[0]

    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = f.__doc__
    return wrapped


@contextlib.contextmanager
def name_scope(name: str, *args, **kwargs):
    """``with tf.name_scope("layer1"):`` names graph nodes in TensorFlow; nothing here."""
    yield name


class nest:  # noqa: N801 (TensorFlow's module name)
    """``tf.nest``: the leaves of nested lists, tuples and dicts."""

    @staticmethod
    def flatten(structure, expand_composites: bool = False) -> list:
        return _flatten(structure)

    @staticmethod
    def map_structure(func: Callable, *structures, **kwargs) -> Any:
        if len(structures) == 1:
            return _map_structure(func, structures[0])
        flat = [_flatten(s) for s in structures]
        leaves = iter([func(*items) for items in zip(*flat)])
        return _map_structure(lambda _leaf: next(leaves), structures[0])

    @staticmethod
    def pack_sequence_as(structure, flat_sequence, expand_composites: bool = False):
        leaves = iter(flat_sequence)
        return _map_structure(lambda _leaf: next(leaves), structure)

    @staticmethod
    def is_nested(structure) -> bool:
        return isinstance(structure, (list, tuple, dict))
