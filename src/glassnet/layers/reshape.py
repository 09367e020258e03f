"""``Reshape``: give each sample a new shape with the same number of values."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .base import Layer, flat_size


class Reshape(Layer):
    """``(batch, *input_shape)`` -> ``(batch, *target_shape)``; backward reshapes back.

    ``target_shape`` excludes the batch axis and may hold one ``-1``, inferred from the
    input, as in NumPy. Typical use: ``Reshape((28, 28, 1), input_shape=(28, 28))`` adds
    the channel axis that ``Conv2D`` needs to grayscale MNIST images. No arithmetic.
    """

    formula = "y = x reshaped to target_shape"

    def __init__(self, target_shape: tuple[int, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)):
            target_shape = (target_shape,)
        try:
            target = tuple(int(d) for d in target_shape)
        except (TypeError, ValueError):
            target = ()
        if (not target or any(d == 0 or d < -1 for d in target)
                or sum(d == -1 for d in target) > 1):
            raise ValueError(
                f"Reshape target_shape must be a tuple of positive integers (at most one -1), "
                f"without the batch size, such as (28, 28, 1); got {target_shape!r}."
            )
        self.target_shape = target

    def compute_output_shape(self, input_shape):
        size = flat_size(input_shape)
        known = flat_size([d for d in self.target_shape if d != -1] or [1])
        shape = tuple(size // known if d == -1 else d for d in self.target_shape)
        if flat_size(shape) != size or (-1 in self.target_shape and size % known):
            raise InputError(
                f"Reshape layer {self.name!r} cannot reshape inputs of shape (batch, "
                f"{', '.join(map(str, input_shape))}) ({size} values per sample) to (batch, "
                f"{', '.join(map(str, self.target_shape))}): the number of values must stay "
                f"the same."
            )
        return shape

    def forward(self, x, training=False):
        self.x_shape = x.shape
        return x.reshape(len(x), *self.output_shape)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy.reshape(self.x_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
