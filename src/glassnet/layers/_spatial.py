"""Shared arithmetic of windows sliding over images: sizes, strides and padding.

An image batch is channels-last, ``(batch, height, width, channels)``. A window of
``k`` pixels moved ``s`` pixels at a time along an axis of ``n`` pixels gives:

* ``padding="valid"`` (no padding): ``out = (n - k) // s + 1`` positions; pixels past
  the last whole window are not used;
* ``padding="same"``: ``out = ceil(n / s)`` positions. The input is padded with
  ``p = max((out - 1)·s + k - n, 0)`` pixels, ``p // 2`` before and the rest after
  (TensorFlow's and Keras's rule), so with ``s = 1`` the output keeps the input's size.

Example: ``n = 28, k = 3, s = 1``: ``valid`` gives 26 positions, ``same`` gives 28 with
one pixel of padding on each side.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import _


def as_pair(value, what: str, layer: str) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; ``(3, 5)`` stays; anything else is an error naming ``what``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in pair
    ):
        raise ValueError(
            _("{layer} {what} must be a positive integer or a tuple of two, such as 3 or "
              "(3, 3); got {value!r}.").format(layer=layer, what=what, value=value)
        )
    return int(pair[0]), int(pair[1])


def check_padding(padding, layer: str) -> str:
    """``"valid"`` or ``"same"`` (any case), else an error."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(_("{layer} padding must be 'valid' or 'same', got {padding!r}.").format(
                               layer=layer, padding=padding))
    return padding.lower()


def check_data_format(data_format, layer: str) -> str:
    """Only ``channels_last`` (Keras's default) is implemented."""
    if data_format not in (None, "channels_last"):
        raise ValueError(
            _("{layer} supports data_format='channels_last' only (images shaped (batch, "
              "height, width, channels)), got {data_format!r}. Move the channel axis "
              "last, e.g. x = x.transpose(0, 2, 3, 1).").format(
                  layer=layer, data_format=data_format)
        )
    return "channels_last"


def positive_int(value, what: str) -> int:
    """``value`` as an ``int`` if it is a positive integer, else an error naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(_("{what} must be a positive integer, got {value!r}.").format(
                               what=what, value=value))
    return int(value)


def window_args(layer: str, kernel_size, strides, padding, data_format,
                dilation_rate) -> tuple[tuple[int, int], tuple[int, int], str, str]:
    """The window arguments every 2-D convolution takes, checked: ``kernel_size``,
    ``strides``, ``padding`` and ``data_format`` (dilation other than 1 is refused)."""
    if as_pair(dilation_rate, "dilation_rate", layer) != (1, 1):
        raise ValueError(_("{layer}: dilation_rate other than 1 is not implemented, got "
                           "{dilation_rate!r}.").format(layer=layer, dilation_rate=dilation_rate))
    return (as_pair(kernel_size, "kernel_size", layer), as_pair(strides, "strides", layer),
            check_padding(padding, layer), check_data_format(data_format, layer))


def output_length(n: int | None, k: int, s: int, padding: str) -> int | None:
    """Number of window positions along an axis of ``n`` pixels (see the module docstring);
    None for images of any size (``Input(shape=(None, None, 3))``)."""
    if n is None:
        return None
    if padding == "same":
        return -(-n // s)
    return (n - k) // s + 1


def pad_amounts(n: int | None, k: int, s: int, padding: str) -> tuple[int, int]:
    """Pixels of padding ``(before, after)`` along one axis (none yet for an unknown size)."""
    if padding == "valid" or n is None:
        return 0, 0
    total = max((output_length(n, k, s, padding) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def check_image_shape(input_shape: tuple[int, ...], layer_name: str, kind: str) -> None:
    """Raise a clear error unless one sample is ``(height, width, channels)``."""
    if len(input_shape) == 3:
        return
    got = "(batch, " + ", ".join(map(str, input_shape)) + ")"
    if len(input_shape) == 2:
        h, w = input_shape
        raise InputError(
            _("{kind} layer {layer_name!r} expects images of shape (batch, height, "
              "width, channels), got inputs of shape {got}: the channel axis is missing. "
              "For grayscale images add it to the data, x = x[..., np.newaxis] (or "
              "np.expand_dims(x, -1)), and use input_shape=({h}, {w}, 1); or start the "
              "model with Reshape(({h}, {w}, 1), input_shape=({h}, {w})).").format(
                  kind=kind, layer_name=layer_name, got=got, h=h, w=w)
        )
    raise InputError(
        _("{kind} layer {layer_name!r} expects images of shape (batch, height, width, "
          "channels), got inputs of shape {got}. Reshape the data or add a Reshape layer.").format(
              kind=kind, layer_name=layer_name, got=got)
    )


def window_slice(offset: int, stride: int, count: int) -> slice:
    """The ``count`` pixels that window position ``offset`` touches, ``stride`` apart."""
    return slice(offset, offset + stride * (count - 1) + 1, stride)
