"""``Activation``: apply an activation function as a layer of its own."""

from __future__ import annotations

from .. import activations
from .base import Layer


class Activation(Layer):
    """``a = f(x)`` element-wise; backward ``dx = da * f'(x)``.

    ``Dense(10, activation="softmax")`` equals ``Dense(10)`` then ``Activation("softmax")``.
    """

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True

    def __init__(self, activation: str | activations.Activation, **kwargs) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.fused_activation = False

    def forward(self, x, training=False):
        self.z = x
        self.a = self.activation.forward(x)
        return self.a

    def backward(self, da):
        if self.fused_activation:
            return da
        return self.activation.backward(self.z, self.a, da)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
