"""``Flatten``: turn each sample into one row, e.g. a 28x28 image into 784 numbers."""

from __future__ import annotations

from .base import Layer, flat_size


class Flatten(Layer):
    """Reshape ``(batch, d1, d2, ...)`` to ``(batch, d1·d2·...)``; backward reshapes back.

    No weights and no arithmetic: the pixels are only laid out in a row.
    """

    def compute_output_shape(self, input_shape):
        return (flat_size(input_shape),)

    def forward(self, x, training=False):
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy.reshape(self.x_shape)
