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

from .. import activations, backend, initializers


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

    def __call__(self, x, training: bool = False) -> np.ndarray:
        x = np.asarray(x, dtype=backend.floatx())
        if not self.built:
            self.build(x.shape[1:])
        return self.forward(x, training=training)

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
    """

    def __init__(
        self,
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer

    def add_kernel(self, shape: tuple[int, ...]) -> None:
        """Create ``kernel`` of ``shape`` and, with ``use_bias``, one bias per output
        (``shape[-1]`` of them)."""
        self.add_weight("kernel", shape, self.kernel_initializer)
        if self.use_bias:
            self.add_weight("bias", (shape[-1],), self.bias_initializer)

    def kernel_config(self) -> dict[str, Any]:
        """The constructor arguments this class handles, for ``get_config``."""
        return {
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": self.kernel_initializer,
            "bias_initializer": self.bias_initializer,
        }

    @property
    def W(self) -> np.ndarray:
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
    if not shape or not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape):
        raise ValueError(
            f"input_shape must be a tuple of positive integers without the batch size, "
            f"such as (28, 28) or (784,); got {shape!r}."
        )
    return tuple(int(d) for d in shape)


def flat_size(shape: tuple[int, ...]) -> int:
    return int(math.prod(shape))
