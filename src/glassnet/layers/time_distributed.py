"""``TimeDistributed``: apply one layer to every time step of a sequence."""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..i18n import N_, _
from .base import Layer
from .wrapper import Wrapper


class TimeDistributed(Wrapper):
    """``y[:, t] = layer(x[:, t])`` for every step ``t``, with one set of weights.

    The steps are folded into the batch: ``x (batch, T, ...)`` is reshaped to
    ``(batch·T, ...)``, the inner layer runs once on it, and its output is unfolded to
    ``(batch, T, ...)``. Backward does the same with ``dy``; the inner layer's ``backward``
    then sums its weight gradients over the ``batch·T`` rows, which is the sum over the
    steps that sharing the weights calls for: ``dW = Σ_t dW_t``.
    """

    WRAPPED = ("layer",)

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True  # the steps' mask passes through, as in Keras
    formula = N_("y[:, t] = layer(x[:, t]) for each step t")
    backward_formula = N_("dx[:, t] = layer's dx for dy[:, t];  dW = Σ_t dW_t")

    def __init__(self, layer: Layer, **kwargs) -> None:
        if not isinstance(layer, Layer):
            raise ValueError(_("TimeDistributed wraps a layer, e.g. TimeDistributed(Dense(8)), "
                               "got {layer!r}.").format(layer=layer))
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise InputError(_("TimeDistributed layer {name!r} takes inputs with a time axis "
                               "and at least one more, (batch, steps, ...), got inputs of "
                               "shape {shape}.").format(name=self.name,
                                                        shape=(None, *input_shape)))
        self.layer.ensure_built(tuple(input_shape[1:]))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        step = self.layer.output_shapes(tuple(input_shape[1:]))[0]
        return (input_shape[0], *step)

    def leaves(self) -> list[Layer]:
        """Its weights are the wrapped layer's."""
        return self.layer.leaves()

    def call_state(self) -> dict[str, Any]:
        return {"self": dict(vars(self)), "layer": self.layer.call_state()}

    def restore_call_state(self, state: dict[str, Any]) -> None:
        vars(self).update(state["self"])
        self.layer.restore_call_state(state["layer"])

    def forward(self, x, training=False):
        n, T = x.shape[:2]
        y = self.layer.forward(x.reshape(n * T, *x.shape[2:]), training)
        return y.reshape(n, T, *y.shape[1:])

    def backward(self, dy):
        n, T = dy.shape[:2]
        self.layer.need_input_grad = self.need_input_grad
        dx = self.layer.backward(dy.reshape(n * T, *dy.shape[2:]))
        return None if dx is None else dx.reshape(n, T, *dx.shape[1:])

    # -- saving -----------------------------------------------------------------------
    @property
    def wrapped_layers(self) -> dict[str, Layer]:
        """The layer its config holds, by config key (Keras's ``layer``)."""
        return {"layer": self.layer}

    def keras_weight_groups(self) -> list[tuple[str, Layer]]:
        """Where Keras 3 keeps the weights in a ``.weights.h5``: under the wrapped layer."""
        return [(f"layer/{path}", leaf) for path, leaf in self.layer.keras_weight_groups()]

    def get_config(self):
        from ..serialization import layer_entry

        return {**super().get_config(), "layer": layer_entry(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from ..serialization import build_layer

        config = dict(config)
        config["layer"] = build_layer(config["layer"], custom_objects)
        return cls(**config)
