"""Rearranging the values of each sample, no arithmetic: ``Reshape`` (a new shape, same
values), ``Permute`` (axes reordered) and ``RepeatVector`` (a vector repeated ``n`` times)."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import N_, _
from .base import Layer, flat_size


class Reshape(Layer):
    """``(batch, *input_shape)`` -> ``(batch, *target_shape)``; backward reshapes back.

    ``target_shape`` excludes the batch axis and may hold one ``-1``, inferred from the
    input, as in NumPy. Typical use: ``Reshape((28, 28, 1), input_shape=(28, 28))`` adds
    the channel axis that ``Conv2D`` needs to grayscale MNIST images. No arithmetic.
    """

    formula = N_("y = x reshaped to target_shape")

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
                _("Reshape target_shape must be a tuple of positive integers (at most "
                  "one -1), without the batch size, such as (28, 28, 1); got "
                  "{target_shape!r}.").format(target_shape=target_shape)
            )
        self.target_shape = target

    def compute_output_shape(self, input_shape):
        size = flat_size(input_shape)
        known = flat_size([d for d in self.target_shape if d != -1] or [1])
        shape = tuple(size // known if d == -1 else d for d in self.target_shape)
        if flat_size(shape) != size or (-1 in self.target_shape and size % known):
            raise InputError(
                _("Reshape layer {name!r} cannot reshape inputs of shape (batch, {shape}) "
                  "({size} values per sample) to (batch, {target}): the number of values "
                  "must stay the same.").format(
                      name=self.name, shape=", ".join(map(str, input_shape)), size=size,
                      target=", ".join(map(str, self.target_shape)))
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


class Permute(Layer):
    """Reorder the axes of each sample: ``Permute((2, 1))`` turns ``(batch, 10, 64)`` into
    ``(batch, 64, 10)``.

    ``dims`` numbers the sample's axes from 1 (the batch axis, 0, stays first), as in
    Keras. Backward applies the inverse permutation to ``dy``.
    """

    formula = N_("y = x with its axes permuted by dims")
    backward_formula = N_("dx = dy with the inverse permutation")

    def __init__(self, dims: tuple[int, ...], **kwargs) -> None:
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            dims = ()
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                _("Permute dims must be a permutation of 1..n (the batch axis 0 is not "
                  "included), such as (2, 1); got {dims!r}.").format(dims=dims)
            )
        self.dims = dims
        self._axes = (0, *dims)
        self._inverse = tuple(int(i) for i in np.argsort(self._axes))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims):
            raise InputError(
                _("Permute layer {name!r} with dims={dims} expects samples with {n_dims} "
                  "axes, got inputs of shape (batch, {shape}).").format(
                      name=self.name, dims=self.dims, n_dims=len(self.dims),
                      shape=", ".join(map(str, input_shape)))
            )
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        return x.transpose(self._axes)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy.transpose(self._inverse)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeat each sample's vector ``n`` times: ``(batch, features)`` ->
    ``(batch, n, features)``, ``y[:, t] = x`` for every ``t``.

    Backward: ``x`` was used ``n`` times, so its gradient is the sum, ``dx = Σ_t dy[:, t]``.
    """

    formula = "y[:, t, :] = x for t = 1..n"
    backward_formula = "dx = Σ_t dy[:, t, :]"

    def __init__(self, n: int, **kwargs) -> None:
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(_("RepeatVector n must be a positive integer, got {n!r}.").format(n=n))
        self.n = int(n)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 1:
            raise InputError(
                _("RepeatVector layer {name!r} expects 2-D inputs (batch, features), got "
                  "(batch, {shape}). Flatten them first.").format(
                      name=self.name, shape=", ".join(map(str, input_shape)))
            )
        return (self.n, input_shape[0])

    def forward(self, x, training=False):
        return np.repeat(x[:, np.newaxis, :], self.n, axis=1)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        return dy.sum(axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}
