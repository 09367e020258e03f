"""Image borders: ``ZeroPadding2D`` adds rows and columns of zeros, ``Cropping2D`` removes
them. Each is the other's backward pass. No weights."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import N_, _
from ._spatial import check_data_format, check_image_shape
from .base import Layer

Borders = tuple[tuple[int, int], tuple[int, int]]


def as_borders(value, what: str, layer: str) -> Borders:
    """Keras's three spellings: ``1`` (every side), ``(rows, cols)`` (symmetric) or
    ``((top, bottom), (left, right))``."""
    def count(v):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise TypeError
        return int(v)

    try:
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            p = count(value)
            return (p, p), (p, p)
        rows, cols = value
        pair = []
        for v in (rows, cols):
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                pair.append((count(v), count(v)))
            else:
                before, after = v
                pair.append((count(before), count(after)))
        return pair[0], pair[1]
    except (TypeError, ValueError):
        raise ValueError(
            _("{layer} {what} must be a non-negative integer, a tuple of two (rows, "
              "columns) or two pairs ((top, bottom), (left, right)); got {value!r}.").format(
                  layer=layer, what=what, value=value)
        ) from None


class ZeroPadding2D(Layer):
    """Add zeros around each image: ``(batch, H, W, C)`` -> ``(batch, t + H + b, l + W + r, C)``.

    Backward: the padding is constant, so ``dx`` is ``dy`` cropped back to ``H x W``.
    Example: a 2x2 image ``[[1, 2], [3, 4]]`` with ``padding=1`` becomes 4x4 with the
    image in the middle and zeros around it.
    """

    formula = N_("y = x with zero rows and columns added around it")
    backward_formula = N_("dx = dy without the border")

    def __init__(self, padding=(1, 1), data_format: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.padding = as_borders(padding, "padding", "ZeroPadding2D")
        self.data_format = check_data_format(data_format, f"ZeroPadding2D {self.name!r}")

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, "ZeroPadding2D")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        H, W, C = input_shape
        (t, b), (l, r) = self.padding
        return (t + H + b, l + W + r, C)

    def forward(self, x, training=False):
        (t, _), (l, _) = self.padding
        H, W = x.shape[1:3]
        y = np.zeros((len(x), *self.output_shape), x.dtype)
        y[:, t:t + H, l:l + W] = x
        return y

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        (t, _), (l, _) = self.padding
        H, W, _ = self.input_shape
        return dy[:, t:t + H, l:l + W]

    def get_config(self):
        return {**super().get_config(), "padding": [list(p) for p in self.padding]}


class Cropping2D(Layer):
    """Remove rows and columns at the borders: ``(batch, H, W, C)`` ->
    ``(batch, H - t - b, W - l - r, C)``.

    Backward: the removed pixels did not influence ``y``: ``dx`` is ``dy`` padded with zeros.
    """

    formula = N_("y = x without its border rows and columns")
    backward_formula = N_("dx = dy with zeros where x was cropped")

    def __init__(self, cropping=((0, 0), (0, 0)), data_format: str | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.cropping = as_borders(cropping, "cropping", "Cropping2D")
        self.data_format = check_data_format(data_format, f"Cropping2D {self.name!r}")

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, "Cropping2D")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        H, W, C = input_shape
        (t, b), (l, r) = self.cropping
        if t + b >= H or l + r >= W:
            raise InputError(
                _("Cropping2D layer {name!r}: cropping {cropping} removes the whole of "
                  "images of {H}x{W} pixels. Crop fewer rows and columns.").format(
                      name=self.name, cropping=self.cropping, H=H, W=W)
            )
        return (H - t - b, W - l - r, C)

    def forward(self, x, training=False):
        (t, _), (l, _) = self.cropping
        Ho, Wo, _ = self.output_shape
        return x[:, t:t + Ho, l:l + Wo]

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        (t, _), (l, _) = self.cropping
        Ho, Wo, _ = self.output_shape
        dx = np.zeros((len(dy), *self.input_shape), dy.dtype)
        dx[:, t:t + Ho, l:l + Wo] = dy
        return dx

    def get_config(self):
        return {**super().get_config(), "cropping": [list(c) for c in self.cropping]}
