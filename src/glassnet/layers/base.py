"""The ``Layer`` contract every layer follows.

A layer is a function ``y = f(x; θ)`` with two methods:

* ``forward(x, training)`` computes ``y`` and keeps what ``backward`` will need;
* ``backward(dy)`` receives ``dy = dL/dy``, fills ``self.grads`` with ``dL/dθ`` and
  returns ``dx = dL/dx`` for the layer below (the chain rule, one layer at a time).

Shapes exclude the batch dimension: ``input_shape = (784,)`` means batches of
shape ``(batch, 784)``. Weights are created lazily in ``build(input_shape)`` when
the first batch (or ``input_shape=``) tells the layer its input size.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import activations, backend, constraints, initializers, regularizers
from ..errors import InputError
from ..graph import KerasTensor, Node, symbolic


class Layer:
    """Base class of all layers.

    Attributes:
        params: trainable weights by name, e.g. ``{"kernel": W, "bias": b}``.
        grads: ``dL/dθ`` for each entry of ``params``, same shapes, filled by ``backward``.
        state: non-trainable weights (e.g. BatchNormalization's moving statistics).
        need_input_grad: when False, ``backward`` may skip ``dx`` and return None
            (the model sets it on its first layer with weights during ``fit``).
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        trainable: bool = True,
        input_shape: tuple[int, ...] | None = None,
        input_dim: int | None = None,
        dtype: Any = None,
    ) -> None:
        self.name = name or backend.unique_name(backend.snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.built = False
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.state: dict[str, np.ndarray] = {}
        self.need_input_grad = True
        if input_dim is not None:
            input_shape = (input_dim,)
        self.declared_input_shape = _as_shape(input_shape) if input_shape is not None else None
        self.input_shape: tuple[int, ...] | None = None
        self.output_shape: tuple[int, ...] | None = None
        self.inbound_nodes: list[Node] = []  # one per call on symbolic tensors

    # -- building -------------------------------------------------------------
    def build(self, input_shape: tuple[int, ...]) -> None:
        """Create weights for inputs of shape ``(batch,) + input_shape``."""
        self.input_shape = tuple(input_shape)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(input_shape)

    def add_weight(self, name: str, shape: tuple[int, ...], initializer="zeros",
                   trainable: bool = True) -> np.ndarray:
        """Create a weight (and its gradient buffer when trainable)."""
        value = np.asarray(initializers.get(initializer)(tuple(shape), backend.floatx()))
        if trainable:
            self.params[name] = value
            self.grads[name] = np.zeros_like(value)
        else:
            self.state[name] = value
        return value

    # -- the two passes -------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError

    def __call__(self, x, training: bool = False):
        """``layer(x)``: on a symbolic tensor (from ``Input``), record the call and return
        the symbolic output (the functional API); on arrays, compute it now."""
        if symbolic(x):
            return self.call_symbolic(x)
        x = np.asarray(x, dtype=backend.floatx())
        if not self.built:
            self.build(x.shape[1:])
        return self.forward(x, training=training)

    def call_symbolic(self, inputs):
        """Record ``self(inputs)`` in the graph: build for the inputs' shapes, return the
        output ``KerasTensor`` (a list when the layer has several outputs)."""
        list_call = isinstance(inputs, (list, tuple))
        tensors = list(inputs) if list_call else [inputs]
        for t in tensors:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Layer {self.name!r} was called on a mix of symbolic tensors and "
                                f"{type(t).__name__}; pass only tensors from Input(...) or "
                                "from other layers.")
        shapes = [tuple(t.shape[1:]) for t in tensors]
        shape = shapes if list_call else shapes[0]
        if not self.built:
            self.build(shape)
        node = Node(self, tensors, [(None, *s) for s in self.output_shapes(shape)], list_call)
        self.inbound_nodes.append(node)
        return node.outputs[0] if len(node.outputs) == 1 else node.outputs

    def output_shapes(self, input_shape) -> list[tuple]:
        """The shape of each output for ``input_shape`` (one output, except models)."""
        if self.input_shape is not None and not isinstance(input_shape, list) and \
                tuple(self.input_shape) != tuple(input_shape):
            raise InputError(
                f"Layer {self.name!r} was built for inputs of shape "
                f"{(None, *self.input_shape)} and is now called on inputs of shape "
                f"{(None, *input_shape)}. A layer called twice (shared) needs inputs of the "
                "same shape; create a new layer for the other shape.")
        return [tuple(self.compute_output_shape(input_shape))]

    @property
    def input(self):
        """The symbolic input of this layer's first call (Keras's ``layer.input``)."""
        node = self._first_node("input")
        return node.inputs if node.list_call else node.inputs[0]

    @property
    def output(self):
        """The symbolic output of this layer's first call (Keras's ``layer.output``)."""
        outputs = self._first_node("output").outputs
        return outputs[0] if len(outputs) == 1 else outputs

    def _first_node(self, what: str) -> Node:
        if not self.inbound_nodes:
            raise AttributeError(
                f"Layer {self.name!r} has no {what} yet: it has not been called on a symbolic "
                "tensor. Build the model first (give it an Input, or call model.build(...)).")
        return self.inbound_nodes[0]

    # -- what the graph needs (models override these) --------------------------
    def leaves(self) -> list[Layer]:
        """The layers that own weights here: ``[self]``; a model lists its own layers'."""
        return [self]

    def leaf_grads(self) -> list[np.ndarray]:
        """The gradient arrays of every weight, for summing over a shared layer's calls."""
        return [g for leaf in self.leaves() for g in leaf.grads.values()]

    @property
    def has_trainable_weights(self) -> bool:
        return any(leaf.trainable and leaf.params for leaf in self.leaves())

    def save_call_state(self) -> Any:
        """What ``forward`` kept for ``backward`` (``self.x``, ``self.z``, ...): a shallow
        copy of the attributes, so the graph can run a shared layer several times."""
        return [dict(leaf.__dict__) for leaf in self.leaves()]

    def restore_call_state(self, state: Any) -> None:
        for leaf, saved in zip(self.leaves(), state):
            leaf.__dict__.update(saved)

    # -- weights --------------------------------------------------------------
    @property
    def weights(self) -> list[np.ndarray]:
        """All weights, trainable first, as live arrays."""
        return [*self.params.values(), *self.state.values()]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        return list(self.params.values()) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        frozen = [] if self.trainable else list(self.params.values())
        return frozen + list(self.state.values())

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights, in the order of ``weights``."""
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Write new values into the existing weight arrays (shapes must match)."""
        own = self.weights
        if len(weights) != len(own):
            raise ValueError(
                f"Layer {self.name!r} has {len(own)} weights, but set_weights got {len(weights)}."
            )
        for i, (w, new) in enumerate(zip(own, weights)):
            new = np.asarray(new)
            if new.shape != w.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight {i} has shape {w.shape}, "
                    f"but set_weights got shape {new.shape}."
                )
        for w, new in zip(own, weights):
            w[...] = new

    def count_params(self) -> int:
        return sum(int(w.size) for w in self.weights)

    @property
    def losses(self) -> list[float]:
        """Penalties this layer adds to the loss (Keras's ``layer.losses``); none by default
        (see ``KernelLayer.losses``)."""
        return []

    # -- saving ---------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments as JSON-compatible values."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.declared_input_shape is not None:
            config["input_shape"] = list(self.declared_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class KernelLayer(Layer):
    """A layer with a ``kernel`` weight ``W`` and an optional ``bias`` ``b``, named as in the math,
    followed by an activation ``f`` (``Dense``, ``Conv2D``).

    ``W``/``kernel``, ``b``/``bias`` and their gradients ``dW``, ``db`` are the live
    arrays in ``params`` and ``grads`` (views into the model's flat vectors).

    Regularizers add penalties to the loss (see ``regularizers``): ``R_W(W)``, ``R_b(b)``
    and, on the output ``a``, ``R_a(a) / batch``. ``losses`` lists their current values,
    ``add_regularization_grads`` adds ``dR_W/dW`` to ``dW`` and ``dR_b/db`` to ``db``, and
    ``activity_gradient`` is ``dR_a/da / batch``, which ``backward`` adds to ``da``.
    Constraints project ``W`` and ``b`` after each optimizer step (``apply_constraints``).
    """

    def __init__(
        self,
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str | initializers.Initializer = "glorot_uniform",
        bias_initializer: str | initializers.Initializer = "zeros",
        *,
        kernel_regularizer: str | regularizers.Regularizer | None = None,
        bias_regularizer: str | regularizers.Regularizer | None = None,
        activity_regularizer: str | regularizers.Regularizer | None = None,
        kernel_constraint: str | constraints.Constraint | None = None,
        bias_constraint: str | constraints.Constraint | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        initializers.get(kernel_initializer)  # an unknown name fails here, not at build
        initializers.get(bias_initializer)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def add_kernel(self, shape: tuple[int, ...]) -> None:
        """Create ``kernel`` of ``shape`` and, with ``use_bias``, one bias per output
        (``shape[-1]`` of them)."""
        self.add_weight("kernel", shape, self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (shape[-1],), self.bias_initializer)

    def kernel_config(self) -> dict[str, Any]:
        """The constructor arguments this class handles, for ``get_config``."""
        config = {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
        }
        # written only when set, so files of models without them stay as they were
        for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            if getattr(self, key) is not None:
                config[key] = regularizers.serialize(getattr(self, key))
        for key in ("kernel_constraint", "bias_constraint"):
            if getattr(self, key) is not None:
                config[key] = constraints.serialize(getattr(self, key))
        return config

    # -- regularization and constraints --------------------------------------
    @property
    def losses(self) -> list[float]:
        """The current penalties (Keras's ``layer.losses``): ``R_W(W)``, ``R_b(b)`` and the
        activity penalty ``R_a(a) / batch`` of the last forward pass, for those that are set.
        The loss that training minimises is the model's loss plus their sum."""
        out = []
        if self.built and self.kernel_regularizer is not None:
            out.append(float(self.kernel_regularizer(self.W)))
        if self.built and self.use_bias and self.bias_regularizer is not None:
            out.append(float(self.bias_regularizer(self.b)))
        a = getattr(self, "a", None)
        if self.activity_regularizer is not None and a is not None:
            out.append(float(self.activity_regularizer(a)) / len(a))
        return out

    def add_regularization_grads(self) -> None:
        """``dW += dR_W/dW`` and ``db += dR_b/db``: called by ``backward`` once ``dW`` and
        ``db`` hold the loss's gradient, so they become the gradient of loss + penalties."""
        if self.kernel_regularizer is not None:
            np.add(self.dW, self.kernel_regularizer.gradient(self.W), out=self.dW)
        if self.use_bias and self.bias_regularizer is not None:
            np.add(self.db, self.bias_regularizer.gradient(self.b), out=self.db)

    def activity_gradient(self) -> np.ndarray | None:
        """``dR_a/da / batch`` at the output ``a`` of the last forward pass (None without an
        activity regularizer). ``backward`` adds it to the incoming ``da``."""
        if self.activity_regularizer is None:
            return None
        return self.activity_regularizer.gradient(self.a) / len(self.a)

    @property
    def has_constraints(self) -> bool:
        return self.kernel_constraint is not None or (
            self.use_bias and self.bias_constraint is not None)

    def apply_constraints(self) -> None:
        """``W ← c_W(W)``, ``b ← c_b(b)`` in place (the weights are views into the model's
        θ). The model calls this after each optimizer step, as Keras applies constraints
        after the update."""
        if self.kernel_constraint is not None:
            self.W[...] = self.kernel_constraint(self.W)
        if self.use_bias and self.bias_constraint is not None:
            self.b[...] = self.bias_constraint(self.b)

    @property
    def W(self) -> np.ndarray:
        if "kernel" not in self.params:  # as Keras: no attribute until the layer is built
            raise AttributeError(
                f"Layer {self.name!r} has no kernel yet: weights are created when the layer "
                f"is built, on its first call or in the first fit. Build the model first: "
                f"start it with Input(shape=...), or call model.build((None, n_features)).")
        return self.params["kernel"]

    @property
    def dW(self) -> np.ndarray:
        return self.grads["kernel"]

    @property
    def b(self) -> np.ndarray | None:
        return self.params.get("bias")

    @property
    def db(self) -> np.ndarray | None:
        return self.grads.get("bias")

    kernel = W
    bias = b


def _as_shape(shape) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    if shape and None in shape:
        raise InputError(_variable_length_message(shape))
    if not shape or not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape):
        raise ValueError(
            f"input_shape must be a tuple of positive integers without the batch size, "
            f"such as (28, 28) or (784,); got {shape!r}."
        )
    return tuple(int(d) for d in shape)


def _variable_length_message(shape: tuple) -> str:
    """Why ``Input(shape=(None, ...))`` fails, and the fixed-length shape to use instead."""
    fixed = tuple("T" if d is None else d for d in shape)
    example = "(" + ", ".join(map(str, fixed)) + ("," if len(fixed) == 1 else "") + ")"
    if len(shape) == 1:
        fix = ("pad the sequences to one length T first, e.g. "
               "x = glassnet.utils.pad_sequences(x, maxlen=200), and declare "
               "Input(shape=(200,))")
    elif len(shape) >= 3 and shape[:2].count(None):
        fix = "resize the images to one size first and declare it, e.g. Input(shape=(64, 64, 3))"
    else:
        fix = (f"pad or cut every sample to one length T first (glassnet.utils.pad_sequences "
               f"takes sequences of vectors too) and declare Input(shape={example})")
    return (f"Input shape {shape!r} has a variable-length axis (None). glassnet needs every "
            f"axis of a sample to have a fixed size: {fix}.")


def flat_size(shape: tuple[int, ...]) -> int:
    return int(math.prod(shape))
