"""``tf.image``: ``resize`` and ``rgb_to_grayscale`` on NumPy arrays or tensors, batches
``(n, height, width, channels)`` or one image ``(height, width, channels)``.

``resize(images, (h, w))`` is TensorFlow 2's: half-pixel centres, so output pixel ``j``
samples the input at ``(j + ½)·in/out - ½`` (clamped to the image), and ``"bilinear"``
(default) mixes the 4 nearest input pixels by distance; ``"nearest"`` takes the one whose
area holds ``(j + ½)·in/out``. Without antialiasing, as ``antialias=False``. The result is
float32 (bilinear) or the input's dtype (nearest). It is not recorded on a GradientTape:
use it to prepare data, not inside a loss.
"""

from __future__ import annotations

import numpy as np

from .i18n import _
from .ops._core import as_tensor
from .tensor import Tensor


class ResizeMethod:
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"


def _axis_weights(n_in: int, n_out: int):
    """Lower and upper source indices and the weight of the upper one, per output index."""
    where = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    floor = np.floor(where)
    lower = np.clip(floor, 0, n_in - 1).astype(np.intp)
    upper = np.clip(np.ceil(where), 0, n_in - 1).astype(np.intp)
    return lower, upper, (where - floor).astype(np.float32)


def resize(images, size, method: str = "bilinear", preserve_aspect_ratio: bool = False,
           antialias: bool = False, name=None) -> Tensor:
    """``images`` resized to ``size = (height, width)``."""
    x = np.asarray(as_tensor(images).array)
    if x.ndim not in (3, 4):
        raise ValueError(_("tf.image.resize needs images shaped (height, width, channels) or "
                           "(n, height, width, channels), got shape {shape}. For grayscale "
                           "images add the channel axis: x[..., np.newaxis].").format(
                               shape=x.shape))
    method = str(method).lower()
    if method not in ("bilinear", "nearest") or antialias:
        raise NotImplementedError(_("tf.image.resize in glassnet has method='bilinear' and "
                                    "'nearest' without antialias; got method={method!r}, "
                                    "antialias={antialias}.").format(
                                        method=method, antialias=antialias))
    batch = x if x.ndim == 4 else x[None]
    h_in, w_in = batch.shape[1:3]
    h, w = (int(v) for v in size)
    if preserve_aspect_ratio:
        scale = min(h / h_in, w / w_in)
        h, w = max(int(round(h_in * scale)), 1), max(int(round(w_in * scale)), 1)
    if method == "nearest":
        rows = np.minimum(np.floor((np.arange(h) + 0.5) * h_in / h), h_in - 1).astype(np.intp)
        cols = np.minimum(np.floor((np.arange(w) + 0.5) * w_in / w), w_in - 1).astype(np.intp)
        out = batch[:, rows][:, :, cols]
    else:
        top, bottom, dy = _axis_weights(h_in, h)
        left, right, dx = _axis_weights(w_in, w)
        b = batch.astype(np.float32)
        dx = dx[None, None, :, None]
        upper = b[:, top][:, :, left] * (1 - dx) + b[:, top][:, :, right] * dx
        lower = b[:, bottom][:, :, left] * (1 - dx) + b[:, bottom][:, :, right] * dx
        out = upper + (lower - upper) * dy[None, :, None, None]
    return Tensor(out if x.ndim == 4 else out[0])


def rgb_to_grayscale(images, name=None) -> Tensor:
    """``0.2989 R + 0.5870 G + 0.1140 B`` with the channel axis kept (size 1), in the
    input's dtype (integers scaled to [0, 1] and back, as TensorFlow)."""
    x = np.asarray(as_tensor(images).array)
    if x.shape[-1:] != (3,):
        raise ValueError(_("rgb_to_grayscale needs 3 colour channels last, got shape "
                           "{shape}.").format(shape=x.shape))
    weights = np.array([0.2989, 0.5870, 0.1140], np.float32)
    if x.dtype.kind in "ui":
        top = np.iinfo(x.dtype).max
        gray = (x.astype(np.float32) / top) @ weights
        return Tensor(np.trunc(gray * (top + 0.5)).astype(x.dtype)[..., None])
    return Tensor((x @ weights.astype(x.dtype)).astype(x.dtype)[..., None])


def grayscale_to_rgb(images, name=None) -> Tensor:
    """The one channel repeated three times."""
    x = np.asarray(as_tensor(images).array)
    return Tensor(np.repeat(x, 3, axis=-1))
