"""``Bidirectional``: a recurrent layer run over the sequence both ways, outputs merged."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import symbolic
from ..i18n import N_, _
from .base import Layer
from .recurrent import RNN, given_mask
from .wrapper import Wrapper

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Wrapper):
    """Two copies of a recurrent layer: ``forward_layer`` reads the steps first to last,
    ``backward_layer`` (``go_backwards=True``) last to first, and their outputs are merged::

        y = merge(y_fwd, y_bwd)    concat (default): [y_fwd, y_bwd] on the last axis,
                                   sum: y_fwd + y_bwd, ave: (y_fwd + y_bwd) / 2,
                                   mul: y_fwd · y_bwd, None: the list [y_fwd, y_bwd]

    With ``return_sequences`` the backward layer's outputs are flipped back first, so
    step t of ``y`` sees the whole sequence: ``x_1..x_t`` forwards and ``x_T..x_t``
    backwards. ``Bidirectional(LSTM(64))`` has twice LSTM(64)'s weights, the forward
    layer's first (Keras's order). Backward: the merge's derivative splits ``dy`` into
    ``dy_fwd`` and ``dy_bwd``; each layer backpropagates through time; ``dx`` is their sum.
    """

    WRAPPED = ("forward_layer", "backward_layer")

    handles_variable_length = True
    supports_masking = True
    formula = N_("y = merge(RNN(x), reverse(RNN(reverse(x))))")
    backward_formula = N_("dx = dx_fwd + dx_bwd")

    def __init__(self, layer: RNN, merge_mode: str | None = "concat", weights=None,
                 backward_layer: RNN | None = None, **kwargs) -> None:
        if not isinstance(layer, RNN):
            raise ValueError(_("Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU), "
                               "got {layer!r}.").format(layer=layer))
        if merge_mode not in MERGE_MODES:
            raise ValueError(_("Bidirectional merge_mode must be one of {modes}, got "
                               "{mode!r}.").format(modes=list(MERGE_MODES), mode=merge_mode))
        if kwargs.get("input_shape") is None and layer.declared_input_shape is not None:
            kwargs["input_shape"] = layer.declared_input_shape  # LSTM(8, input_shape=...)
        super().__init__(**kwargs)
        config = {k: v for k, v in layer.get_config().items() if k != "input_shape"}
        # new layers from the given one's settings, so they share nothing with it (Keras)
        self.forward_layer = type(layer).from_config(
            {**config, "name": "forward_" + _without(layer.name, "forward_")})
        if backward_layer is None:
            backward_layer = type(layer).from_config(
                {**config, "go_backwards": True,
                 "name": "backward_" + _without(layer.name, "backward_")})
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == backward_layer.go_backwards:
            raise ValueError(_("Bidirectional: the forward and backward layers need different "
                               "go_backwards values, got {value} for both.").format(
                value=backward_layer.go_backwards))
        for name in ("return_sequences", "return_state"):
            if getattr(self.forward_layer, name) != getattr(backward_layer, name):
                raise ValueError(_("Bidirectional: the forward and backward layers need the "
                                   "same {name}.").format(name=name))
        for sub in (self.forward_layer, backward_layer):  # as Keras forces it
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self._initial_weights = weights

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape):
        self.forward_layer.ensure_built(input_shape)
        self.backward_layer.ensure_built(input_shape)
        if self._initial_weights is not None:  # Keras: Bidirectional(..., weights=[...])
            self.set_weights(list(self._initial_weights))
            self._initial_weights = None
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        shape = self.forward_layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            return (*shape[:-1], 2 * shape[-1])
        return shape

    def output_shapes(self, input_shape) -> list[tuple]:
        """The merged output (two with ``merge_mode=None``), then with ``return_state``
        the forward layer's final states and the backward layer's."""
        out = super().output_shapes(input_shape)
        if self.merge_mode is None:
            out = out * 2
        states = self.forward_layer.output_shapes(input_shape)[1:]
        return out + states * 2

    def connect_mask(self, inputs):
        self.forward_layer.connect_mask(inputs)
        return self.backward_layer.connect_mask(inputs)

    def __call__(self, inputs, training: bool | None = None, mask=None, initial_state=None,
                 **kwargs):
        """``layer(x)``; called eagerly, ``mask=`` masks both directions (see ``RNN``)."""
        if initial_state is not None:
            raise NotImplementedError(_(
                "Bidirectional layer {name!r}: initial_state= is not supported yet. Start "
                "from zeros, or use two recurrent layers, one with go_backwards=True, each "
                "called with its own initial_state=.").format(name=self.name))
        if symbolic(inputs):
            return super().__call__(inputs, training, **kwargs)
        with given_mask([self.forward_layer, self.backward_layer], mask):
            return super().__call__(inputs, training, **kwargs)

    def leaves(self) -> list[Layer]:
        """Its weights are the two layers' (forward first, as Keras lists them; a stack
        of cells keeps them in its cells)."""
        return [*self.forward_layer.leaves(), *self.backward_layer.leaves()]

    def call_state(self) -> dict[str, Any]:
        return {"self": dict(vars(self)), "forward": self.forward_layer.call_state(),
                "backward": self.backward_layer.call_state()}

    def restore_call_state(self, state: dict[str, Any]) -> None:
        vars(self).update(state["self"])
        self.forward_layer.restore_call_state(state["forward"])
        self.backward_layer.restore_call_state(state["backward"])

    # -- the two passes -----------------------------------------------------------------
    def forward(self, x, training=False):
        y_f = self.forward_layer.forward(x, training)
        y_b = self.backward_layer.forward(x, training)
        states = []
        if self.return_state:
            (y_f, *s_f), (y_b, *s_b) = y_f, y_b
            states = s_f + s_b
        if self.return_sequences:
            y_b = y_b[:, ::-1]  # back into the order of the steps
        self.y_f, self.y_b = y_f, y_b
        if self.merge_mode == "concat":
            out = [np.concatenate([y_f, y_b], axis=-1)]
        elif self.merge_mode == "sum":
            out = [y_f + y_b]
        elif self.merge_mode == "ave":
            out = [(y_f + y_b) / 2]
        elif self.merge_mode == "mul":
            out = [y_f * y_b]
        else:
            out = [y_f, y_b]
        return out[0] if len(out) == 1 and not states else out + states

    def backward(self, dy):
        dys = list(dy) if isinstance(dy, list) else [dy]
        n_out = 2 if self.merge_mode is None else 1
        d_out, d_states = dys[:n_out], dys[n_out:]
        if self.merge_mode == "concat":
            u = self.y_f.shape[-1]
            dy_f, dy_b = d_out[0][..., :u], d_out[0][..., u:]
        elif self.merge_mode == "sum":
            dy_f = dy_b = d_out[0]
        elif self.merge_mode == "ave":
            dy_f = dy_b = d_out[0] / 2
        elif self.merge_mode == "mul":
            dy_f, dy_b = d_out[0] * self.y_b, d_out[0] * self.y_f
        else:
            dy_f, dy_b = d_out
        if self.return_sequences:
            dy_b = dy_b[:, ::-1]
        half = len(d_states) // 2
        grads_in = [([dy_f, *d_states[:half]] if self.return_state else dy_f),
                    ([dy_b, *d_states[half:]] if self.return_state else dy_b)]
        dx = None
        for sub, g in zip((self.forward_layer, self.backward_layer), grads_in):
            sub.need_input_grad = self.need_input_grad
            d = sub.backward(np.ascontiguousarray(g) if not isinstance(g, list) else g)
            dx = d if dx is None else dx + d
        return dx

    # -- saving -----------------------------------------------------------------------
    @property
    def wrapped_layers(self) -> dict[str, Layer]:
        """The layers its config holds, by config key (Keras's ``layer``, ``backward_layer``)."""
        return {"layer": self.forward_layer, "backward_layer": self.backward_layer}

    def keras_weight_groups(self) -> list[tuple[str, Layer]]:
        """Where Keras 3 keeps the weights in a ``.weights.h5``: under each wrapped layer."""
        return [(f"{key}/{path}", layer)
                for key, sub in (("forward_layer", self.forward_layer),
                                 ("backward_layer", self.backward_layer))
                for path, layer in sub.keras_weight_groups()]

    def get_config(self):
        from ..serialization import layer_entry

        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": layer_entry(self.forward_layer),
                "backward_layer": layer_entry(self.backward_layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from ..serialization import build_layer

        config = dict(config)
        config["layer"] = build_layer(config["layer"], custom_objects)
        if isinstance(config.get("backward_layer"), dict):
            config["backward_layer"] = build_layer(config["backward_layer"], custom_objects)
        return cls(**config)


def _without(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name
