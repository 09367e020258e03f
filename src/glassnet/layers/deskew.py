"""``Deskew``: straighten slanted handwriting, glassnet's own layer (Keras has none).

Writers slant their digits by different amounts, and a network trained on one set of
writers meets other slants on another. Deskewing (the moment-based shear normalisation of
LeCun et al.'s MNIST benchmarks, "deskewing" in their table of results) shears each image
so that its ink has no slant left, in training and in use alike, so the network never has
to learn slants at all.
"""

from __future__ import annotations

import numpy as np

from ..i18n import _
from .base import Layer


class Deskew(Layer):
    """Shear each image horizontally so that its ink's principal slant becomes vertical.

    With ``m`` the image's ink (summed over channels), ``M = Σ m``, its centre of mass
    ``(r̄, c̄)`` and the moments ``v = Σ m (r - r̄)² / M`` and ``u = Σ m (r - r̄)(c - c̄) / M``
    (rows ``r`` counted downwards, columns ``c``), the slant is ``k = u / v``: how many
    columns the ink moves per row. Row ``r`` of the output reads row ``r`` of the input
    shifted by ``s_r = k·(r - r̄)`` columns, with linear interpolation between pixels and
    0 outside the image::

        y[r, c] = x[r, c + s_r]        (so the centre of mass stays where it was)

    A blank image (``M = 0``) or one a single row tall (``v = 0``) passes unchanged. The
    layer has no weights and acts the same in training and at inference: a model trained
    with it straightens every image it is given, as it was trained to see them. Images
    are ``(batch, H, W)`` or channels-last ``(batch, H, W, C)``, with ink bright on a dark
    background (0), as in MNIST.

    Backward, with ``x0``, ``x1`` the two pixels each output interpolates between: the
    adjoint of the shifts, plus the path through ``k`` and ``r̄``:
    ``g_s[r] = Σ_c dy·(x1 - x0)``, ``g_k = Σ_r g_s (r - r̄)``, ``g_r̄ = -k Σ_r g_s`` and
    ``∂L/∂m[i, j] = (i - r̄)/M · (g_k ((j - c̄) - k (i - r̄)) / v + g_r̄)``, added to every
    channel.
    """

    formula = "y[r, c] = x[r, c + k·(r - r̄)],  k = Σm(r-r̄)(c-c̄) / Σm(r-r̄)²"
    backward_formula = "dx = shifts' adjoint of dy + path through the slant k and r̄"

    def build(self, input_shape):
        if len(input_shape) not in (2, 3):  # without the batch axis
            shape = (None, *input_shape)
            raise ValueError(_("Deskew {name!r} needs images of shape (batch, height, width) "
                               "or (batch, height, width, channels), got {shape}.").format(
                                   name=self.name, shape=shape))
        super().build(input_shape)

    def forward(self, x, training=False):
        flat = x.ndim == 3
        x4 = x[..., None] if flat else x
        n, H, W, C = x4.shape
        dtype = x4.dtype
        m = x4.sum(axis=3)
        rows = np.arange(H, dtype=dtype)
        cols = np.arange(W, dtype=dtype)
        per_row, per_col = m.sum(axis=2), m.sum(axis=1)
        mass = per_row.sum(axis=1)
        safe = np.where(mass > 0, mass, 1)
        r_bar = per_row @ rows / safe
        c_bar = per_col @ cols / safe
        dr = rows[None, :] - r_bar[:, None]  # (n, H)
        dc = cols[None, :] - c_bar[:, None]  # (n, W)
        v = (per_row * dr ** 2).sum(axis=1) / safe
        u = np.einsum("nh,nhw,nw->n", dr, m, dc) / safe
        sloped = (mass > 0) & (v > 0)
        k = np.where(sloped, u / np.where(sloped, v, 1), 0).astype(dtype)
        s = k[:, None] * dr  # (n, H): each row's shift, in columns
        whole = np.floor(s)
        f = (s - whole)[:, :, None, None]
        i0 = whole.astype(np.int64)[:, :, None] + np.arange(W)[None, None, :]  # (n, H, W)
        x0, x1 = self._read(x4, i0), self._read(x4, i0 + 1)
        y = x0 + f * (x1 - x0)
        self.x4, self.x0, self.x1, self.i0, self.f = x4, x0, x1, i0, f
        self.k, self.dr, self.dc, self.v, self.mass, self.sloped = k, dr, dc, v, safe, sloped
        return y[..., 0] if flat else y

    @staticmethod
    def _read(x4: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``x4[b, r, index[b, r, c], :]``, 0 where the index falls outside the row."""
        W = x4.shape[2]
        inside = (index >= 0) & (index < W)
        got = np.take_along_axis(x4, np.clip(index, 0, W - 1)[..., None], axis=2)
        return np.where(inside[..., None], got, 0)

    def backward(self, dy):
        if not self.need_input_grad:
            return None
        flat = dy.ndim == 3
        dy4 = dy[..., None] if flat else dy
        n, H, W, C = dy4.shape
        dx = self._scatter(dy4 * (1 - self.f), self.i0) + self._scatter(dy4 * self.f,
                                                                         self.i0 + 1)
        g_s = (dy4 * (self.x1 - self.x0)).sum(axis=(2, 3))  # (n, H)
        g_k = (g_s * self.dr).sum(axis=1)
        g_rbar = -self.k * g_s.sum(axis=1)
        v = np.where(self.sloped, self.v, 1)
        inner = (g_k / v)[:, None, None] * (self.dc[:, None, :] - self.k[:, None, None]
                                             * self.dr[:, :, None]) + g_rbar[:, None, None]
        dm = np.where(self.sloped[:, None, None],
                      self.dr[:, :, None] / self.mass[:, None, None] * inner, 0)
        dx += dm[..., None].astype(dx.dtype)
        return dx[..., 0] if flat else dx

    @staticmethod
    def _scatter(values: np.ndarray, index: np.ndarray) -> np.ndarray:
        """The adjoint of ``_read``: ``values[b, r, c, :]`` added into column
        ``index[b, r, c]`` of row ``r``, where that lies inside the row."""
        n, H, W, C = values.shape
        inside = (index >= 0) & (index < W)
        row = (np.arange(n)[:, None, None] * H + np.arange(H)[None, :, None]) * W
        target = (row + np.clip(index, 0, W - 1))[..., None] * C + np.arange(C)
        weights = np.where(inside[..., None], values, 0)
        out = np.bincount(target.ravel(), weights.ravel(), minlength=n * H * W * C)
        return out.reshape(n, H, W, C).astype(values.dtype)
