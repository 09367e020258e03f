"""``Input``/``InputLayer``: declare the shape of one sample."""

from __future__ import annotations

from .base import Layer, _as_shape


class InputLayer(Layer):
    """Marks the model's input shape, ``shape`` without the batch dimension.

    ``Sequential([Input(shape=(28, 28)), Flatten(), Dense(10)])`` builds at once.
    It does no computation and is not listed in ``model.layers``, as in Keras.
    """

    def __init__(self, shape=None, batch_size=None, name=None, input_shape=None, **kwargs):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("Input needs a shape, e.g. Input(shape=(784,)).")
        super().__init__(name=name, input_shape=_as_shape(shape), **kwargs)
        self.batch_size = batch_size

    @property
    def shape(self) -> tuple:
        return (self.batch_size, *self.declared_input_shape)

    def forward(self, x, training=False):
        return x

    def backward(self, dy):
        return dy

    def get_config(self):
        return {"name": self.name, "shape": list(self.declared_input_shape)}


def Input(shape=None, batch_size=None, name=None, **kwargs) -> InputLayer:  # noqa: N802
    """Keras's ``Input(shape=...)``: the shape of one sample, e.g. ``(28, 28)``."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, **kwargs)
