"""Higher-order ops: ``tf.map_fn``, ``tf.foldl``, ``tf.foldr``.

TensorFlow builds them into a graph loop; here they are the Python loop itself, one call
of ``fn`` per element along axis 0. ``fn`` is made of glassnet ops, so a ``GradientTape``
records each call and the gradient flows through the loop with no rule of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from ._core import as_tensor
from .array import stack


def _elements(elems: Any) -> tuple[list, bool]:
    """``elems`` split along axis 0: a list of tensors, or of tuples when ``elems`` is a
    tuple/list of tensors (unpacked together, as TensorFlow does)."""
    if isinstance(elems, (list, tuple)) and elems and all(
            isinstance(e, Tensor) or hasattr(e, "shape") for e in elems):
        parts = [list(as_tensor(e)) for e in elems]
        return [type(elems)(p) for p in zip(*parts)], True
    return list(as_tensor(elems)), False


def map_fn(fn: Callable, elems: Any, dtype: Any = None, parallel_iterations=None,
           back_prop=True, swap_memory=False, infer_shape=True, name=None,
           fn_output_signature: Any = None) -> Any:
    """``stack([fn(elems[0]), fn(elems[1]), ...])``; a tuple of results is stacked part by
    part."""
    items = _elements(elems)[0]
    results = [fn(item) for item in items]
    if results and isinstance(results[0], (tuple, list)):
        return type(results[0])(stack([r[k] for r in results])
                                for k in range(len(results[0])))
    return stack(results)


def _fold(fn: Callable, items: list, initializer: Any) -> Any:
    acc, start = (items[0], 1) if initializer is None else (initializer, 0)
    for item in items[start:]:
        acc = fn(acc, item)
    return acc


def foldl(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations=None,
          back_prop=True, swap_memory=False, name=None) -> Any:
    """``fn(…fn(fn(a, e₀), e₁)…, eₙ₋₁)``, ``a = initializer`` (default: ``e₀``, and the
    fold starts at ``e₁``)."""
    return _fold(fn, _elements(elems)[0], initializer)


def foldr(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations=None,
          back_prop=True, swap_memory=False, name=None) -> Any:
    """``foldl`` from the last element to the first: ``fn(…fn(a, eₙ₋₁)…, e₀)``."""
    return _fold(fn, _elements(elems)[0][::-1], initializer)
