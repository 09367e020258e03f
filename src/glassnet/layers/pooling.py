"""Pooling: shrink images by summarising each window, ``MaxPooling2D``, ``AveragePooling2D``
and ``GlobalAveragePooling2D``. No weights."""

from __future__ import annotations

import numpy as np

from ..i18n import N_, _
from . import _parallel
from ._parallel import run, split
from ._spatial import (
    as_pair,
    check_data_format,
    check_image_shape,
    check_padding,
    output_length,
    pad_amounts,
    window_slice,
)
from .base import Layer


class _Pooling2D(Layer):
    """What max and average pooling share: window size, strides, padding, shapes.

    ``x (batch, H, W, C)`` gives ``y (batch, Ho, Wo, C)``; each channel is pooled on
    its own. Windows are visited by their ``ph·pw`` offsets ``(p, q)``: the offset-``(p, q)``
    pixel of every window at once is the strided slice ``x[:, p::s, q::s]`` (of ``Ho x Wo``
    pixels), so a loop over the few offsets replaces a loop over all the pixels.
    """

    kind = "Pooling2D"
    pad_value = 0.0

    def __init__(
        self,
        pool_size: int | tuple[int, int] = (2, 2),
        strides: int | tuple[int, int] | None = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        kind = f"{type(self).__name__} {self.name!r}"
        self.pool_size = as_pair(pool_size, "pool_size", kind)
        self.strides = self.pool_size if strides is None else as_pair(strides, "strides", kind)
        self.padding = check_padding(padding, kind)
        self.data_format = check_data_format(data_format, kind)

    #: images of any size: each batch's height and width set the geometry (``fit_image``)
    handles_variable_length = True

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, type(self).__name__)
        self.fit_image(input_shape)

    def fit_image(self, input_shape) -> None:
        """Set the padding and the output size for images of ``input_shape``."""
        H, W, C = input_shape
        ph, pw = self.pool_size
        if self.padding == "valid" and H is not None and W is not None and (H < ph or W < pw):
            raise ValueError(
                _("{kind} layer {name!r}: its {ph}x{pw} window does not fit in inputs of "
                  "{H}x{W} pixels. Use a smaller pool_size or padding='same'.").format(
                      kind=type(self).__name__, name=self.name, ph=ph, pw=pw, H=H, W=W)
            )
        self.pads = (pad_amounts(H, ph, self.strides[0], self.padding),
                     pad_amounts(W, pw, self.strides[1], self.padding))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        H, W, C = input_shape
        return (output_length(H, self.pool_size[0], self.strides[0], self.padding),
                output_length(W, self.pool_size[1], self.strides[1], self.padding), C)

    def _padded(self, x: np.ndarray) -> np.ndarray:
        (pt, pb), (pl, pr) = self.pads
        if pt + pb + pl + pr == 0:
            return x
        return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), constant_values=self.pad_value)

    def _offsets(self):
        """For each window offset ``(p, q)``: the ``(rows, cols)`` slices that pick the
        offset-``(p, q)`` pixel of every window, ``x[:, rows, cols]`` of ``Ho x Wo`` pixels."""
        Ho, Wo, _ = self.output_shape
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        for p in range(ph):
            for q in range(pw):
                yield window_slice(p, sh, Ho), window_slice(q, sw, Wo)

    def _unpad(self, dxp: np.ndarray) -> np.ndarray:
        H, W, _ = self.input_shape
        (pt, _), (pl, _) = self.pads
        return dxp[:, pt:pt + H, pl:pl + W]

    def _padded_empty(self, n: int, dtype) -> np.ndarray:
        """Zeros shaped like a padded input batch of ``n`` samples."""
        (pt, pb), (pl, pr) = self.pads
        H, W, C = self.input_shape
        return np.zeros((n, H + pt + pb, W + pl + pr, C), dtype)

    @property
    def _overlapping(self) -> bool:
        return self.strides[0] < self.pool_size[0] or self.strides[1] < self.pool_size[1]

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "strides": list(self.strides), "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    """Keep the largest value of each window: ``y[n, i, j, c] = max_{p,q} x[n, i·s+p, j·s+q, c]``.

    Shapes: ``x (batch, H, W, C)`` -> ``y (batch, Ho, Wo, C)``; the default 2x2 window
    with stride 2 halves height and width (26x26 -> 13x13; 11x11 -> 5x5, the last row
    and column unused). ``same`` padding pads with ``-inf``, which never wins.

    Forward: ``y`` starts as the offset-(0, 0) slice and takes ``np.maximum`` with each
    other offset's slice.

    Backward: only the winner of each window influenced ``y``, so it alone receives the
    gradient, ``dx[winner] = dy``, and every other pixel gets 0. The winner mask of an
    offset is ``x_slice == y``; on ties the first offset wins (as in TensorFlow and
    PyTorch), so each window passes its gradient on exactly once.
    """

    formula = N_("y = max over each pool window of x")
    backward_formula = N_("dx = dy at the maximum of each window, 0 elsewhere")
    pad_value = -np.inf

    # Both passes work on parts of the batch on separate threads (see _parallel.py).
    def forward(self, x, training=False):
        if x.shape[1:] != self.input_shape:  # images of another size than the last batch's
            self.fit_image(x.shape[1:])
        self.x = x
        self.a = np.empty((len(x), *self.output_shape), x.dtype)
        per_sample = (x[0].size + self.a[0].size) * x.itemsize
        self.parts = split(len(x), max(1, _parallel.PART_BYTES // per_sample))
        run(self._forward_part, self.parts)
        return self.a

    def _forward_part(self, slot: int, start: int, stop: int) -> None:
        xp, y = self._padded(self.x[start:stop]), self.a[start:stop]
        offsets = self._offsets()
        rows, cols = next(offsets)
        np.copyto(y, xp[:, rows, cols])
        for rows, cols in offsets:
            np.maximum(y, xp[:, rows, cols], out=y)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        (pt, pb), (pl, pr) = self.pads
        H, W, C = self.input_shape
        dxp = np.empty((len(dy), H + pt + pb, W + pl + pr, C), dy.dtype)  # zeroed by parts
        run(lambda slot, start, stop: self._backward_part(start, stop, dy, dxp), self.parts)
        return self._unpad(dxp)

    def _backward_part(self, start: int, stop: int, dy: np.ndarray, dxp: np.ndarray) -> None:
        part = slice(start, stop)
        xp, y, dy, dxp = self._padded(self.x[part]), self.a[part], dy[part], dxp[part]
        if self.strides == self.pool_size:  # windows tile the input: only the margin they
            Ho, Wo, _ = self.output_shape   # leave (11 rows -> 5 windows of 2) needs zeros
            dxp[:, Ho * self.pool_size[0]:] = 0
            dxp[:, :, Wo * self.pool_size[1]:] = 0
        else:
            dxp[...] = 0
        taken = None  # windows whose winner was already found
        hit = np.empty(y.shape, bool)
        offsets = list(self._offsets())
        for k, (rows, cols) in enumerate(offsets):
            np.equal(xp[:, rows, cols], y, out=hit)
            if taken is None:
                taken = hit.copy()
            else:
                np.greater(hit, taken, out=hit)  # hit and not taken: the first maximum only
                if k < len(offsets) - 1:
                    taken |= hit
            if self._overlapping:  # a pixel may win several windows
                dxp[:, rows, cols] += dy * hit
            else:
                np.multiply(dy, hit, out=dxp[:, rows, cols])


class AveragePooling2D(_Pooling2D):
    """The mean of each window: ``y[n, i, j, c] = (1/k) Σ_{p,q} x[n, i·s+p, j·s+q, c]``.

    ``k = ph·pw`` pixels per window; with ``same`` padding, windows at the border
    count only their real pixels (padding is not averaged in, as in Keras).

    Backward: each pixel of a window gets an equal share, ``dx += dy / k``.
    """

    formula = N_("y = mean over each pool window of x")
    backward_formula = N_("dx = dy / (pixels per window), spread over each window")

    def fit_image(self, input_shape) -> None:
        super().fit_image(input_shape)
        # pixels per window: ph·pw, fewer at the border with 'same' padding
        H, W, _ = input_shape
        if H is None or W is None:
            return
        ones = self._padded(np.ones((1, H, W, 1)))
        count = np.zeros((1, *self.output_shape[:2], 1))
        for rows, cols in self._offsets():
            count += ones[:, rows, cols]
        self.count = count

    def forward(self, x, training=False):
        if x.shape[1:] != self.input_shape:  # images of another size than the last batch's
            self.fit_image(x.shape[1:])
        self.x = x
        xp = self._padded(x)
        offsets = self._offsets()
        rows, cols = next(offsets)
        y = xp[:, rows, cols].copy()
        for rows, cols in offsets:
            y += xp[:, rows, cols]
        y /= self.count.astype(y.dtype)
        self.a = y
        return y

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        dxp = self._padded_empty(len(dy), dy.dtype)
        share = dy / self.count.astype(dy.dtype)
        for rows, cols in self._offsets():
            dxp[:, rows, cols] += share
        return self._unpad(dxp)


class GlobalAveragePooling2D(Layer):
    """The mean of each channel over the whole image: ``y[n, c] = (1/(H·W)) Σ_{i,j} x[n, i, j, c]``.

    Shapes: ``x (batch, H, W, C)`` -> ``y (batch, C)`` (``keepdims=True``: ``(batch, 1, 1, C)``).
    Backward: every pixel gets ``dy / (H·W)``.
    """

    formula = N_("y = mean of x over height and width")
    backward_formula = N_("dx = dy / (H·W) at every pixel")

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f"GlobalAveragePooling2D {self.name!r}")
        self.keepdims = bool(keepdims)

    handles_variable_length = True  # images of any size

    def build(self, input_shape):
        check_image_shape(input_shape, self.name, "GlobalAveragePooling2D")
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (1, 1, input_shape[-1]) if self.keepdims else (input_shape[-1],)

    def forward(self, x, training=False):
        self.x = x
        self.a = x.mean(axis=(1, 2), keepdims=self.keepdims)
        return self.a

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        n, H, W, C = self.x.shape
        dx = np.empty((n, H, W, C), dy.dtype)
        dx[...] = dy.reshape(n, 1, 1, C) / dy.dtype.type(H * W)
        return dx

    def get_config(self):
        return {**super().get_config(), "keepdims": self.keepdims}
