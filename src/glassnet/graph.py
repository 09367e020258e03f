"""A graph of layers: symbolic tensors, nodes, topological order, forward and backward.

Keras's functional API builds models by calling layers on symbolic tensors::

    inputs = Input(shape=(784,))              # a KerasTensor: shape (None, 784)
    h = Dense(64, activation="relu")(inputs)  # records a Node: Dense(inputs) -> h
    outputs = Dense(10)(h)
    model = Model(inputs, outputs)            # the Graph between them

A ``KerasTensor`` holds no numbers: only a shape, a dtype and the ``Node`` that made it.
``Graph`` walks back from the outputs to the inputs, sorts the nodes so that every node
comes after the nodes it reads from (topological order), and then runs:

* ``forward``: each node's ``layer.forward`` in that order, every tensor computed once;
* ``backward``: each node's ``layer.backward`` in reverse order. The chain rule for a
  tensor read by several nodes (fan-out, a skip connection) adds up the gradients that
  come back from each reader: ``dL/dh = Σ_readers dL/dh_reader``.

``Sequential`` is the special case of a chain: one node per layer, each reading the
previous one's output.

A layer called more than once (a shared layer) keeps what ``backward`` needs on itself
(``self.x``, ``self.z``), so the graph saves that state after each call's ``forward`` and
puts it back before that call's ``backward``, and adds the weight gradients of the calls:
``dL/dW = Σ_calls dL/dW_call``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import InputError
from .i18n import _


class DTypeName(str):
    """A dtype's name, ``"float32"`` (Keras 3's ``KerasTensor.dtype``), that also answers
    ``.name`` as tf.keras 2's ``tf.DType`` did (``x.dtype.name``)."""

    @property
    def name(self) -> str:
        return str(self)


class KerasTensor:
    """A symbolic tensor: the shape ``(None, ...)`` and dtype of the values a node will
    compute, and the ``node`` that computes them (``index``: which of its outputs)."""

    #: NumPy defers to the operators below (``np.ones(3) * x`` is ``x.__rmul__``)
    __array_ufunc__ = None

    #: the layer whose ``output_mask`` masks this tensor's time steps after each forward
    #: pass (``Embedding(mask_zero=True)``, passed on by ``Layer.connect_mask``), or None
    mask_source = None

    def __init__(self, shape: tuple, dtype: str = "float32", name: str | None = None,
                 node: Node | None = None, index: int = 0) -> None:
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.node = node
        self.index = index

    @property
    def dtype(self) -> DTypeName:
        return self._dtype

    @dtype.setter
    def dtype(self, value) -> None:
        self._dtype = DTypeName(getattr(value, "name", value))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def _keras_mask(self) -> KerasTensor | None:
        """Keras 2's symbolic mask: a boolean tensor of shape ``(None, steps)`` when a mask
        reaches this tensor (``Embedding(mask_zero=True)`` upstream), else None."""
        if self.mask_source is None:
            return None
        return KerasTensor(self.shape[:2], dtype="bool", name=f"{self.name}_mask")

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise TypeError(
            _("{self!r} is a symbolic tensor (from Input or a layer called on one): it "
              "holds no numbers. Build a model from it, model = glassnet.Model(inputs, "
              "outputs), and pass NumPy arrays to model.fit / model.predict.").format(self=self)
        )

    # x + y, x * y, ... between symbolic tensors of one shape make merge layers, as in
    # Keras; with a number, an array or another shape, the op's node (ops/symbolic.py)
    def _merge(self, other, cls_name: str, op: str) -> KerasTensor:
        if isinstance(other, KerasTensor) and other.shape == self.shape:
            from .layers import merge

            return getattr(merge, cls_name)()([self, other])
        return self._op(op, self, other)

    @staticmethod
    def _op(name: str, *args):
        from . import ops

        return getattr(ops, name)(*args)

    def __add__(self, other):
        return self._merge(other, "Add", "add")

    def __sub__(self, other):
        return self._merge(other, "Subtract", "subtract")

    def __mul__(self, other):
        return self._merge(other, "Multiply", "multiply")

    def __radd__(self, other):
        return self._op("add", other, self)

    def __rsub__(self, other):
        return self._op("subtract", other, self)

    def __rmul__(self, other):
        return self._op("multiply", other, self)

    def __truediv__(self, other):
        return self._op("divide", self, other)

    def __rtruediv__(self, other):
        return self._op("divide", other, self)

    def __pow__(self, other):
        return self._op("pow", self, other)

    def __matmul__(self, other):
        return self._op("matmul", self, other)

    def __rmatmul__(self, other):
        return self._op("matmul", other, self)

    def __neg__(self):
        return self._op("negative", self)

    def __abs__(self):
        return self._op("abs", self)

    def __getitem__(self, index):
        return self._op("getitem", self, index)

    __hash__ = object.__hash__


class Node:
    """One call of a layer: ``outputs = layer(inputs)``.

    ``list_call``: the layer was called on a list (merge layers), so its ``forward``
    receives a list of arrays and its ``backward`` returns a list of gradients.
    ``call_kwargs``: the call's other arguments, as a model file records them
    (``use_causal_mask=True`` of an attention layer); usually none.
    """

    call_kwargs: dict = {}

    def __init__(self, layer, inputs: list[KerasTensor], output_shapes: list[tuple],
                 list_call: bool) -> None:
        self.layer = layer
        self.inputs = inputs
        self.list_call = list_call
        self.outputs = [KerasTensor(shape, name=layer.name if len(output_shapes) == 1 else
                                    f"{layer.name}_{i}", node=self, index=i)
                        for i, shape in enumerate(output_shapes)]

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}({', '.join(t.name or '?' for t in self.inputs)})>"


def symbolic(structure) -> bool:
    """Whether ``structure`` (a tensor, or a list/tuple/dict of them) holds a KerasTensor."""
    return any(isinstance(t, KerasTensor) for t in flatten(structure))


def flatten(structure) -> list:
    if isinstance(structure, dict):
        return [v for k in structure for v in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [v for item in structure for v in flatten(item)]
    return [structure]


class Graph:
    """The nodes between ``inputs`` and ``outputs``, in topological order.

    ``hidden``: tensors that are computed in each forward pass without being outputs, the
    ends of ``model.add_loss(t)`` and ``model.add_metric(t)`` (Keras's ``AddLoss`` nodes).
    """

    def __init__(self, inputs: list[KerasTensor], outputs: list[KerasTensor],
                 hidden: list[KerasTensor] = ()) -> None:
        for t in [*inputs, *outputs, *hidden]:
            if not isinstance(t, KerasTensor):
                raise TypeError(
                    _("Model(inputs, outputs) takes symbolic tensors, from "
                      "glassnet.Input(...) and layers called on them; got {kind} "
                      "{t!r:.80}.").format(kind=type(t).__name__, t=t)
                )
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self.hidden = list(hidden)
        self.nodes = _topological_order(self.inputs, self.outputs + self.hidden)
        seen: dict[int, Any] = {}
        for t in self.inputs:
            seen.setdefault(id(t.node.layer), t.node.layer)
        for node in self.nodes:
            seen.setdefault(id(node.layer), node.layer)
        self.layers = list(seen.values())  # InputLayers first, then in order of first call
        calls: dict[int, int] = {}
        for node in self.nodes:
            calls[id(node.layer)] = calls.get(id(node.layer), 0) + 1
        self.shared = {i for i, n in calls.items() if n > 1}
        # A node may sit in several graphs (a seq2seq model and its inference encoder,
        # built from the same layer calls); its slots and flags below are this graph's, so
        # overlapping graphs write theirs back before each run (``claim``).
        self.overlaps = False
        for node in self.nodes:
            other = getattr(node, "graph", None)
            if other is not None and other is not self:
                other.overlaps = self.overlaps = True
        readers: dict[int, int] = {}
        for node in self.nodes:
            for t in node.inputs:
                readers[id(t)] = readers.get(id(t), 0) + 1
        self.readers = readers  # how many nodes read each tensor
        # every tensor gets a slot in a list, inputs first: forward and backward index
        # lists instead of hashing tensors (a few µs per step on the tutorial's network)
        slot = {id(t): i for i, t in enumerate(self.inputs)}
        for node in self.nodes:
            for t in node.outputs:
                slot[id(t)] = len(slot)
        self.n_slots = len(slot)
        self.node_slots = []  # per node: in_slots, out_slots, shared, simple
        for node in self.nodes:
            shared = id(node.layer) in self.shared
            # one array in, one out, one call: the fast path (every Sequential node)
            simple = not shared and not node.list_call and len(node.outputs) == 1
            self.node_slots.append(([slot[id(t)] for t in node.inputs],
                                    [slot[id(t)] for t in node.outputs], shared, simple))
        self.claim()
        self.output_slots = [slot[id(t)] for t in self.outputs]
        self.first_reader: dict[int, Node] = {}  # for error messages about an input
        for node in reversed(self.nodes):
            for t in node.inputs:
                self.first_reader[id(t)] = node
        self.plan(input_grads=True)

    def claim(self) -> None:
        """Write this graph's slots and flags onto its nodes (see ``overlaps``)."""
        for node, (ins, outs, shared, simple) in zip(self.nodes, self.node_slots):
            node.graph = self
            node.in_slots, node.out_slots, node.shared, node.simple = ins, outs, shared, simple
            node.in_slot, node.out_slot = ins[0], outs[0]

    # -- which nodes backward must visit ----------------------------------------------
    def plan(self, input_grads: bool) -> None:
        """Mark the nodes that backpropagation visits (call before each ``backward`` run:
        a layer may have been frozen or unfrozen, or be shared with another model).

        A node needs ``backward`` if its layer has trainable weights or a node it reads
        from does, or if ``input_grads`` (saliency maps need ``dL/dx``). Its layer skips
        ``dx`` (``need_input_grad = False``) when nothing it reads from needs a gradient,
        as the first ``Dense`` of a network does in ``fit``.
        """
        needs: dict[int, bool] = {id(t): input_grads for t in self.inputs}
        self.backward_nodes = []
        upstream_of = {}
        for node in self.nodes:
            upstream = any(needs.get(id(t), False) for t in node.inputs)
            wanted = upstream or node.layer.has_trainable_weights
            for t in node.outputs:
                needs[id(t)] = wanted
            if wanted:
                self.backward_nodes.append(node)
                upstream_of[id(node)] = upstream
        self.backward_order = self.backward_nodes[::-1]
        for node in self.backward_nodes:
            node.layer.need_input_grad = False
        for node in self.backward_nodes:  # a shared layer needs dx if any call does
            if upstream_of[id(node)]:
                node.layer.need_input_grad = True

    # -- forward and backward ------------------------------------------------------------
    def forward(self, xs: list[np.ndarray], training: bool = False) -> list[np.ndarray]:
        """Forward propagation: every node once, in topological order."""
        if self.overlaps:
            self.claim()
        values = [None] * self.n_slots
        values[:len(xs)] = xs
        for node in self.nodes:
            layer = node.layer
            if node.simple:
                values[node.out_slot] = layer.forward(values[node.in_slot], training=training)
                continue
            if node.list_call:
                out = layer.forward([values[i] for i in node.in_slots], training=training)
            else:
                out = layer.forward(values[node.in_slots[0]], training=training)
            if node.shared:  # keep this call's state for its backward
                node.saved = layer.call_state()
            if len(node.out_slots) == 1:
                values[node.out_slots[0]] = out
            else:
                for i, a in zip(node.out_slots, out):
                    values[i] = a
        return [values[i] for i in self.output_slots]

    def backward(self, douts: list[np.ndarray | None]) -> list[np.ndarray | None]:
        """Backpropagation: ``dL/d(output)`` in, ``dL/d(input)`` out (None if not needed).

        Gradients of a tensor read by several nodes are summed; so are the weight
        gradients of a layer called several times.
        """
        if self.overlaps:
            self.claim()
        grads: list = [None] * self.n_slots
        for i, d in zip(self.output_slots, douts):
            if d is not None:
                grads[i] = d if grads[i] is None else grads[i] + d
        totals: dict[int, list[np.ndarray]] = {}  # shared layers: Σ over calls
        for node in self.backward_order:
            layer = node.layer
            if node.simple and grads[node.out_slot] is not None:
                dx = layer.backward(grads[node.out_slot])
                if dx is not None:
                    g = grads[node.in_slot]
                    grads[node.in_slot] = dx if g is None else g + dx
                continue
            if len(node.out_slots) == 1:
                dy = grads[node.out_slots[0]]
                # no path from here to the loss (nor an add_loss): zero weight gradients
                if dy is None and not layer.added_loss_tensors():
                    for g in layer.leaf_grads():
                        g[...] = 0
                    continue
            else:
                dys = [grads[i] for i in node.out_slots]
                if all(d is None for d in dys) and layer.added_loss_tensors():
                    dy = None
                elif all(d is None for d in dys):
                    for g in layer.leaf_grads():
                        g[...] = 0
                    continue
                else:
                    some = next(d for d in dys if d is not None)
                    dy = [np.zeros((len(some), *t.shape[1:]), some.dtype) if d is None else d
                          for t, d in zip(node.outputs, dys)]
            if node.shared:
                layer.restore_call_state(node.saved)
            dx = layer.backward(dy)
            if node.shared:
                if id(layer) in totals:
                    for total, g in zip(totals[id(layer)], layer.leaf_grads()):
                        total += g
                else:
                    totals[id(layer)] = [g.copy() for g in layer.leaf_grads()]
            if dx is None:
                continue
            for i, d in zip(node.in_slots, dx if node.list_call else [dx]):
                if d is not None:  # fan-out: dL/dh = Σ over the nodes that read h
                    grads[i] = d if grads[i] is None else grads[i] + d
        for node in self.nodes if totals else ():  # write Σ_calls dL/dW into shared layers
            total = totals.pop(id(node.layer), None)
            if total is not None:
                for g, t in zip(node.layer.leaf_grads(), total):
                    g[...] = t
        return grads[:len(self.inputs)]


def _topological_order(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> list[Node]:
    """The nodes needed for ``outputs``, each after the nodes it reads from (depth-first
    search from the outputs, as Keras does; with an explicit stack, so a chain of
    thousands of layers is fine). Raises on a cycle, or when an output depends on an
    ``Input`` that is not in ``inputs``."""
    given = {id(t) for t in inputs}
    order: list[Node] = []
    state: dict[int, str] = {}  # "open" while its parents are visited, then "done"
    for out in outputs:
        stack = [(out, [out.name or "output"], False)]
        while stack:
            t, path, children_done = stack.pop()
            if id(t) in given:
                continue
            node = t.node
            if node is None or not node.inputs:  # an Input that is not among the inputs
                names = [i.name for i in inputs]
                raise InputError(
                    _("Output {path!r} is not connected to the model's inputs {names}: "
                      "it depends on the input {name!r} (path: {chain}). Pass every Input "
                      "the outputs depend on: Model(inputs=[...], outputs=...).").format(
                          path=path[0], names=names, name=t.name, chain=" <- ".join(path)))
            if children_done:
                state[id(node)] = "done"
                order.append(node)
                continue
            if state.get(id(node)) == "done":
                continue
            if state.get(id(node)) == "open":
                raise InputError(_("The graph has a cycle through layer {name!r}: a "
                                   "layer cannot read its own output. Models must be "
                                   "acyclic.").format(name=node.layer.name))
            state[id(node)] = "open"
            stack.append((t, path, True))
            for parent in reversed(node.inputs):
                stack.append((parent, path + [parent.name or "?"] if len(path) < 6 else path,
                              False))
    return order
