"""``Resizing``: images to one size (bilinear or nearest), a preprocessing layer.

Resizing is linear in the pixels: along each axis an output pixel is a weighted sum of
input pixels, ``y = R_h · x · R_wᵀ`` per channel, with ``R_h (out_h, in_h)`` and
``R_w (out_w, in_w)`` holding the interpolation weights. Its backward is the transpose,
``dx = R_hᵀ · dy · R_w``, so gradients flow through it to the layers below.

Pixel centres are aligned as Keras (TensorFlow's ``half_pixel_centers``, PyTorch's
``align_corners=False``): output pixel ``i`` samples input position
``s = (i + 0.5) · in/out - 0.5``.
"""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from ._spatial import check_data_format, check_image_shape
from .base import Layer

INTERPOLATIONS = ("bilinear", "nearest")


def interpolation_matrix(n_in: int, n_out: int, method: str, dtype) -> np.ndarray:
    """``R (n_out, n_in)``: row ``i`` holds the weights of the input pixels that make
    output pixel ``i``. Bilinear: ``s = (i + 0.5)·n_in/n_out - 0.5`` clamped to
    ``[0, n_in - 1]``, weight ``1 - (s - ⌊s⌋)`` on ``⌊s⌋`` and ``s - ⌊s⌋`` on ``⌊s⌋ + 1``.
    Nearest: weight 1 on ``⌊(i + 0.5)·n_in/n_out⌋``."""
    R = np.zeros((n_out, n_in), dtype)
    rows = np.arange(n_out)
    scale = n_in / n_out
    if method == "nearest":
        R[rows, np.minimum(((rows + 0.5) * scale).astype(int), n_in - 1)] = 1
        return R
    s = np.clip((rows + 0.5) * scale - 0.5, 0, n_in - 1)
    lo = np.floor(s).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = s - lo
    np.add.at(R, (rows, lo), 1 - frac)
    np.add.at(R, (rows, hi), frac)
    return R


def aspect_crop(H: int, W: int, height: int, width: int) -> tuple[int, int, int, int]:
    """The centred box ``(top, left, h, w)`` of an ``H x W`` image with the aspect ratio of
    ``height x width`` (Keras's ``crop_to_aspect_ratio`` and ``smart_resize``)."""
    h = max(min(H, int(W * height / width)), 1)
    w = max(min(W, int(H * width / height)), 1)
    return int((H - h) / 2), int((W - w) / 2), h, w


class Resizing(Layer):
    """Resize images ``(batch, H, W, C)`` to ``(batch, height, width, C)``:
    ``y[n, :, :, c] = R_h · x[n, :, :, c] · R_wᵀ`` (see the module's docstring); backward
    ``dx = R_hᵀ · dy · R_w``. ``crop_to_aspect_ratio=True`` first cuts the largest centred
    box with the target's aspect ratio, so the image is not distorted.
    """

    handles_variable_length = True  # images of any size in one model
    formula = "y = R_h · x · R_wᵀ  (per channel)"
    backward_formula = N_("dx = R_hᵀ · dy · R_w  (zeros where the image was cropped)")

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: str | None = None, **kwargs) -> None:
        given = {"pad_to_aspect_ratio": pad_to_aspect_ratio, "fill_mode": fill_mode,
                 "fill_value": fill_value, "antialias": antialias}
        for key, default in (("pad_to_aspect_ratio", False), ("fill_mode", "constant"),
                             ("fill_value", 0.0), ("antialias", False)):
            if given[key] != default:
                raise NotImplementedError(_(
                    "Resizing {key}={value!r} is not implemented in glassnet; leave it at "
                    "Keras's default, {default!r}.").format(key=key, value=given[key],
                                                            default=default))
        super().__init__(**kwargs)
        if interpolation not in INTERPOLATIONS:
            raise NotImplementedError(_(
                "Resizing interpolation={interpolation!r} is not implemented; use one of "
                "{choices}.").format(interpolation=interpolation, choices=list(INTERPOLATIONS)))
        for what, v in (("height", height), ("width", width)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(_("{layer} {what} must be a positive integer, got "
                                   "{value!r}.").format(layer=type(self).__name__, what=what,
                                                        value=v))
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.data_format = check_data_format(data_format, f"{type(self).__name__} "
                                                          f"{self.name!r}")
        self._matrices: dict[tuple, tuple] = {}

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, type(self).__name__)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (self.height, self.width, input_shape[-1])

    def box(self, H: int, W: int) -> tuple[int, int, int, int]:
        """The part of an ``H x W`` image that is resized: ``(top, left, h, w)``."""
        if self.crop_to_aspect_ratio:
            return aspect_crop(H, W, self.height, self.width)
        return 0, 0, H, W

    def plan(self, H: int, W: int, dtype) -> tuple:
        """The box and ``R_h, R_w`` for ``H x W`` images (kept for the next batch)."""
        key = (H, W, np.dtype(dtype).str)
        if key not in self._matrices:
            top, left, h, w = self.box(H, W)
            self._matrices[key] = ((top, left, h, w),
                                   interpolation_matrix(h, self.height, self.interpolation,
                                                        dtype),
                                   interpolation_matrix(w, self.width, self.interpolation,
                                                        dtype))
        return self._matrices[key]

    def forward(self, x, training=False):
        self.in_shape = x.shape
        (top, left, h, w), Rh, Rw = self.plan(x.shape[1], x.shape[2], x.dtype)
        part = x[:, top:top + h, left:left + w]
        return np.einsum("ip,npqc,jq->nijc", Rh, part, Rw, optimize=True)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        n, H, W, C = self.in_shape
        (top, left, h, w), Rh, Rw = self.plan(H, W, dy.dtype)
        dx = np.zeros(self.in_shape, dy.dtype)
        dx[:, top:top + h, left:left + w] = np.einsum("ip,nijc,jq->npqc", Rh, dy, Rw,
                                                      optimize=True)
        return dx

    def __getstate__(self):
        state = super().__getstate__()
        state["_matrices"] = {}
        return state

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation,
                "crop_to_aspect_ratio": self.crop_to_aspect_ratio}
