"""Reverse-mode automatic differentiation: ``GradientTape``.

``Dense.backward`` is backpropagation written by hand for one layer. The tape does the
same for any code made of glassnet ops, in three steps:

1. **Record.** While a tape is active, every op whose input the tape watches appends
   one entry to the tape: its output, its inputs, and its *vector-Jacobian product*
   ``vjp(dy) -> [dx₁, dx₂, ...]``, the local derivative written next to the op::

       y = exp(x)          vjp: dy ↦ [dy · y]              (d eˣ/dx = eˣ)
       y = a @ b           vjp: dy ↦ [dy @ bᵀ, aᵀ @ dy]

   The tape watches what you ``watch``, every trainable ``Variable`` an op reads, and
   every output of a recorded op.

2. **Seed.** ``tape.gradient(L, sources)`` starts with ``dL/dL = 1``.

3. **Apply the chain rule in reverse.** Walk the entries from the last to the first;
   each passes its ``dy = dL/dy`` through its ``vjp`` and *adds* the results to its
   inputs' gradients (a tensor used twice receives two contributions). The entries were
   recorded in the order they ran, so when an entry is reached, every use of its output
   has already been accounted for.

This is micrograd's idea on arrays. The ``vjp`` functions work on NumPy arrays, so a
tape gives first derivatives (nested tapes each record, but a tape does not record the
gradient computation of another: no second derivatives).

Built-in layers are recorded as one op each (``call_layer``): their ``vjp`` is their
hand-written ``backward``. Ordinary ``fit`` on built-in layers never creates a tape.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import blas
from .i18n import _
from .tensor import Tensor, Variable

VJP = Callable[[np.ndarray], "list[np.ndarray | None]"]

#: The tapes inside whose ``with`` block the program is, innermost last.
_active: list[GradientTape] = []


class UnconnectedGradients:
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class Op:
    """One entry of the tape: ``output = f(*inputs)``, and ``vjp(dL/doutput)``."""

    __slots__ = ("name", "output", "inputs", "vjp")

    def __init__(self, name: str, output: Tensor, inputs: list[Tensor], vjp: VJP) -> None:
        self.name, self.output, self.inputs, self.vjp = name, output, inputs, vjp

    def __repr__(self) -> str:
        shapes = ", ".join(str(x.shape) for x in self.inputs)
        return f"{self.name}({shapes}) -> {self.output.shape}"


def local_derivative(name: str) -> str:
    """What the op called ``name`` computes and its derivative: the first paragraph of its
    docstring (a built-in layer's op, ``"Dense:dense"``, applies the layer's ``backward``)."""
    if ":" in name:
        return _("vjp = {layer}.backward (written by hand)").format(layer=name.split(":")[0])
    from .ops import array_ops, math, nn  # here: the ops import this module

    for module in (math, nn, array_ops):
        doc = getattr(getattr(module, name, None), "__doc__", None)
        if doc:
            return " ".join(doc.split("\n\n")[0].split()).replace("``", "")
    return ""


def record(output: Tensor, inputs: list[Tensor], vjp: VJP, name: str = "op") -> Tensor:
    """Write ``output = f(*inputs)`` with its ``vjp`` on every recording tape that watches
    one of ``inputs`` (every op calls this once; with no tape active it does nothing).
    Returns ``output``."""
    for tape in _active:
        if tape._recording:
            tape._record(Op(name, output, inputs, vjp))
    return output


def watched(tensors) -> bool:
    """True when a recording tape would differentiate through one of ``tensors``."""
    return any(t._recording and t._watches_any(tensors) for t in _active)


def note_threads(threads: int) -> None:
    """A model ran its forward pass with ``threads`` BLAS threads (``blas.limit_threads``):
    the recording tapes run their backward pass with as many (at least)."""
    for tape in _active:
        if tape._recording:
            tape._threads = max(tape._threads, threads)


@contextmanager
def paused():
    """No tape records inside this block (e.g. to try a layer's ``call`` for its shape)."""
    saved = _active[:]
    _active.clear()
    try:
        yield
    finally:
        _active[:] = saved


class GradientTape:
    """Records ops, then computes gradients by the chain rule in reverse.

    >>> import glassnet as tf
    >>> x = tf.Variable(3.0)
    >>> with tf.GradientTape() as tape:
    ...     y = x * x
    >>> float(tape.gradient(y, x))  # dy/dx = 2x
    6.0

    Args:
        persistent: allow several ``gradient`` calls (otherwise one, as in TensorFlow).
        watch_accessed_variables: watch every trainable ``Variable`` an op reads.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._ops: list[Op] = []
        self._watched: dict[int, Tensor] = {}  # id -> tensor (kept alive: ids stay unique)
        self._recording = False
        self._used = False
        self._threads = 0  # BLAS threads of the forward passes recorded (0: none chosen)

    # -- recording ------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        self._recording = True
        _active.append(self)
        return self

    def __exit__(self, *exc) -> None:
        self._recording = False
        _active.remove(self)

    def watch(self, tensor) -> None:
        """Differentiate with respect to ``tensor`` (a tensor or a list/tuple/dict of them)."""
        for t in flatten(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(_("tape.watch takes tensors; got {kind}. Convert it "
                                  "first: x = tf.constant(x).").format(kind=type(t).__name__))
            self._watched[id(t)] = t

    def watched_variables(self) -> list[Variable]:
        return [t for t in self._watched.values() if isinstance(t, Variable)]

    @contextmanager
    def stop_recording(self):
        """Ops inside this block are not recorded on this tape."""
        self._recording = False
        try:
            yield
        finally:
            self._recording = True

    def reset(self) -> None:
        """Forget everything recorded so far."""
        self._ops.clear()
        self._watched.clear()

    def _watches_any(self, inputs) -> bool:
        for x in inputs:
            if id(x) in self._watched:
                return True
            if (self.watch_accessed_variables and isinstance(x, Variable) and x.trainable
                    and _is_float(x)):
                return True
        return False

    def _record(self, op: Op) -> None:
        if not self._watches_any(op.inputs):
            return  # nothing this op reads leads back to a watched tensor
        if self.watch_accessed_variables:
            for x in op.inputs:
                if isinstance(x, Variable) and x.trainable and _is_float(x):
                    self._watched[id(x)] = x
        self._ops.append(op)
        self._watched[id(op.output)] = op.output

    @property
    def ops(self) -> list[Op]:
        """The recorded entries, in the order they ran (for ``glassnet.inspect``)."""
        return list(self._ops)

    def describe(self) -> str:
        """The recorded ops, one per line with their shapes, and under each the local
        derivative its ``vjp`` applies (``tape.gradient`` applies them bottom-up)."""
        lines = [_("GradientTape: {n} ops recorded").format(n=len(self._ops))]
        for i, op in enumerate(self._ops):
            lines += [f"  [{i}] {op!r}", f"      {local_derivative(op.name)}"]
        return "\n".join(lines)

    # -- the backward pass ----------------------------------------------------
    def _backward(self, grads: dict[int, np.ndarray]) -> None:
        """The chain rule in reverse: ``grads`` (the targets' seeds) gets every watched
        tensor's ``dL/dx``."""
        for op in reversed(self._ops):
            dy = grads.get(id(op.output))
            if dy is None:
                continue  # the target does not depend on this op
            for x, dx in zip(op.inputs, op.vjp(dy)):
                if dx is not None and id(x) in self._watched and _is_float(x):
                    if np.shape(dx) != x.shape:  # a bug in the op, not in the user's code
                        raise RuntimeError(_("{name} gave a gradient of shape {shape} "
                                             "for an input of shape {shape2}.").format(
                                                 name=op.name, shape=np.shape(dx), shape2=x.shape))
                    _accumulate(grads, x, dx)

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients: str = UnconnectedGradients.NONE):
        """``d(target)/d(source)`` for each source, in the structure of ``sources``.

        A non-scalar target is summed first, as TensorFlow does: the result is
        ``d(Σ target)/d(source)``; pass ``output_gradients`` (same shape as ``target``)
        to weight its entries instead. A list of targets is their sum. A source the target
        does not depend on gets ``None`` (or zeros with ``unconnected_gradients="zero"``).
        """
        if self._used and not self.persistent:
            raise RuntimeError(
                _("A non-persistent GradientTape can only be used to compute one set of "
                  "gradients. Create it as tf.GradientTape(persistent=True) to call "
                  "gradient several times."))
        targets = flatten(target)
        seeds = [None] * len(targets) if output_gradients is None else flatten(output_gradients)
        if len(seeds) != len(targets):
            raise ValueError(_("output_gradients has {n_seeds} entries for {n_targets} "
                               "targets: give one per target.").format(
                                   n_seeds=len(seeds), n_targets=len(targets)))
        grads: dict[int, np.ndarray] = {}
        for t, seed in zip(targets, seeds):
            if not isinstance(t, Tensor):
                raise TypeError(_("tape.gradient's target must be a tensor computed "
                                  "under the tape, got {kind}.").format(kind=type(t).__name__))
            seed = np.ones(t.shape, t.dtype) if seed is None else np.asarray(seed, t.dtype)
            if seed.shape != t.shape:
                raise ValueError(_("output_gradients has shape {shape}, but the target "
                                   "has shape {shape2}: they must be the same.").format(
                                       shape=seed.shape, shape2=t.shape))
            _accumulate(grads, t, seed)
        # the models' backward passes with the BLAS threads of their forward (see blas.py)
        with blas.limit_threads(None, 0, threads=self._threads) if self._threads else \
                _nothing():
            self._backward(grads)
        zero = unconnected_gradients in (UnconnectedGradients.ZERO, "zero")

        def result(s):
            if not isinstance(s, Tensor):
                raise TypeError(_("tape.gradient's sources must be tensors or variables, "
                                  "got {kind}.").format(kind=type(s).__name__))
            g = grads.get(id(s)) if id(s) in self._watched else None
            if g is None:
                return Tensor(np.zeros(s.shape, s.dtype)) if zero else None
            return Tensor(g)

        out = map_structure(result, sources)
        if not self.persistent:
            self._used = True
            self._ops, self._watched = [], {}  # free the recorded arrays, as TensorFlow does
        return out


@contextmanager
def _nothing():
    yield


def _is_float(x: Tensor) -> bool:
    return x.dtype.kind in "fc"


def _accumulate(grads: dict[int, np.ndarray], x: Tensor, dx: np.ndarray) -> None:
    """``grads[x] += dx``, in x's dtype (a new array: vjps may return views)."""
    dx = np.asarray(dx, dtype=x.dtype)
    old = grads.get(id(x))
    grads[id(x)] = dx if old is None else old + dx


# -- nested structures: a tensor, a list/tuple (nested), or a dict ----------------
def flatten(structure) -> list:
    if isinstance(structure, dict):
        return [leaf for k in structure for leaf in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        mapped = [map_structure(fn, item) for item in structure]
        if isinstance(structure, list):
            return mapped
        return type(structure)(*mapped) if hasattr(structure, "_fields") else tuple(mapped)
    return fn(structure)


# -- built-in layers on the tape ------------------------------------------------------
def call_layer(layer, x: Tensor, training: bool = False, **kwargs) -> Tensor:
    """Run a built layer on a tensor; when a tape records, record the layer as one op.

    Built-in layers run their ``forward`` on the array, and the recorded op's ``vjp`` is
    their hand-written ``backward``: ``dx`` for the input, and copies of ``layer.grads``
    for the layer's weight variables (so two calls add up on the tape, like any op).

    A layer keeps what ``backward`` needs on itself (``self.x``, ``self.z``...), and a
    second call overwrites it. So the op saves the layer's per-call state right after
    ``forward`` (``layer.call_state()``, a shallow copy of its attributes: the arrays are
    new ones at each call) and puts it back before ``backward``, which then differentiates
    the right call. The layer's attributes are restored afterwards.

    A layer with ``call`` (a user's layer) is not recorded as one op: its ``call`` runs
    on tensors and each op inside it is recorded.
    """
    if layer.uses_call:
        return layer.run_call(x, training=training, **kwargs)
    if kwargs:
        raise TypeError(_("{kind} takes only inputs and training, got {kwargs}.").format(
                              kind=type(layer).__name__, kwargs=sorted(kwargs)))
    many_in = isinstance(x, (list, tuple))  # an RNN with initial states: [x, h0, c0]
    inputs = list(x) if many_in else [x]
    out = layer.forward([t.array for t in inputs] if many_in else x.array, training=training)
    many_out = isinstance(out, list)  # an RNN with return_state: [y, h, c]
    # its weights: [self]'s, or those of the layers it wraps (Bidirectional's two RNNs)
    slots = [(leaf, k) for leaf in layer.leaves() if leaf.trainable for k in leaf.params]
    variables = [leaf.variable(k) for leaf, k in slots]
    if not watched([*inputs, *variables]):
        return [Tensor(a) for a in out] if many_out else Tensor(out)
    saved = layer.call_state()
    # several outputs: one recorded op makes them laid end to end, and each output is a
    # recorded slice of it (a tape entry has one output)
    y = Tensor(np.concatenate([a.ravel() for a in out]) if many_out else out)
    ends = np.cumsum([a.size for a in out]) if many_out else None

    def vjp(dy: np.ndarray) -> list[np.ndarray | None]:
        current = dict(vars(layer))  # exactly as it is now, put back afterwards
        inner = layer.call_state()  # (and the wrapped layers' state)
        layer.restore_call_state(saved)
        try:
            if many_out:
                dy = [np.ascontiguousarray(d.reshape(a.shape), dtype=y.dtype)
                      for d, a in zip(np.split(dy, ends[:-1]), out)]
            else:
                dy = np.ascontiguousarray(dy, dtype=y.dtype)
            dx = layer.backward(dy)
            if dx is None:  # the layer was told no dL/dx is needed
                dxs = [None] * len(inputs)
            else:
                dxs = list(dx) if many_in else [dx]
            return [*dxs, *(leaf.grads[k].copy() for leaf, k in slots)]
        finally:
            layer.restore_call_state(inner)
            vars(layer).update(current)

    record(y, [*inputs, *variables], vjp, name=f"{type(layer).__name__}:{layer.name}")
    if not many_out:
        return y
    return [_piece(y, a, int(end) - a.size, f"{type(layer).__name__}:{layer.name}[{i}]")
            for i, (a, end) in enumerate(zip(out, ends))]


def _piece(packed: Tensor, value: np.ndarray, start: int, name: str) -> Tensor:
    """One of a layer's outputs laid end to end in ``packed``, recorded as a slice of it:
    its gradient goes back into that slice, zeros elsewhere."""
    piece = Tensor(value)

    def vjp(dy: np.ndarray) -> list[np.ndarray]:
        d = np.zeros(packed.shape, packed.dtype)
        d[start:start + value.size] = dy.ravel()
        return [d]

    return record(piece, [packed], vjp, name=name)


def warn_once(owner: Any, message: str) -> None:
    """A ``UserWarning`` the first time ``owner`` meets it."""
    seen = vars(owner).setdefault("_warned", set())
    if message not in seen:
        seen.add(message)
        warnings.warn(message, stacklevel=3)
