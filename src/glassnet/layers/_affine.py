"""Warping images by an affine map, as Keras's ``affine_transform`` (its NumPy backend:
``keras/src/backend/numpy/image.py``), and the adjoint of that warp for backpropagation.

Keras describes a transform by 8 numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]`` (``c0 = c1 = 0``
here) that map each *output* pixel, column ``x`` and row ``y``, to the point of the
*input* it is read from::

    x_in = a0·x + a1·y + a2,      y_in = b0·x + b1·y + b2

``bilinear`` reads the four pixels around ``(y_in, x_in)`` weighted by closeness; ``nearest``
reads the closest one (``floor(v + 0.5)``). Pixels outside the image are supplied by
``fill_mode``:

* ``reflect``:  ``d c b a | a b c d | d c b a`` (the edge pixel repeated, NumPy's ``symmetric``);
* ``wrap``:     ``a b c d | a b c d | a b c d``;
* ``nearest``:  ``a a a a | a b c d | d d d d``;
* ``constant``: ``k k k k | a b c d | k k k k`` with ``k = fill_value``.

So every output value is a weighted sum of input values (plus ``k`` times the weight that
fell outside, in ``constant`` mode): ``y[n, i, j] = Σ_r w_r · x[n, p_r]``. The warp is
linear in ``x``, and its backward pass is the adjoint: each ``dy[n, i, j]`` is sent back to
the same pixels with the same weights, ``dx[n, p_r] += w_r · dy[n, i, j]``.
"""

from __future__ import annotations

import numpy as np

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _fix(index: np.ndarray, n: int, fill_mode: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Integer pixel positions along an axis of ``n`` mapped inside ``[0, n)`` by ``fill_mode``;
    for ``constant``, also the mask of those that were inside (the rest read ``fill_value``).

    The rule is applied once to each distinct position (``lo..hi``, a few dozen), then
    looked up: integer ``mod`` on every pixel's position was most of a batch's time."""
    lo = int(index.min())
    positions = np.arange(lo, int(index.max()) + 1)
    inside = None
    if fill_mode == "reflect":
        m = np.mod(positions, 2 * n)
        table = np.where(m >= n, 2 * n - 1 - m, m)
    elif fill_mode == "wrap":
        table = np.mod(positions, n)
    else:  # nearest, and constant (whose outside positions are then masked)
        table = np.clip(positions, 0, n - 1)
        if fill_mode == "constant":
            inside = ((positions >= 0) & (positions < n))[index - lo]
    return table[index - lo], inside


class Warp:
    """The sampling plan of one batch: for each output pixel, the input pixels read
    (``index``, flat over ``H·W``, shape ``(n, H·W, r)``) and their weights ``weight``
    (``r`` = 4 for bilinear, 1 for nearest); ``outside`` is the weight given to
    ``fill_value`` (constant mode), ``(n, H·W)``."""

    def __init__(self, matrices: np.ndarray, H: int, W: int, interpolation: str,
                 fill_mode: str) -> None:
        m = np.asarray(matrices, np.float64)  # (n, 8)
        rows, cols = np.meshgrid(np.arange(H, dtype=np.float64),
                                 np.arange(W, dtype=np.float64), indexing="ij")
        rows, cols = rows.reshape(1, -1), cols.reshape(1, -1)
        a0, a1, a2, b0, b1, b2 = (m[:, k:k + 1] for k in range(6))
        x_in = a0 * cols + a1 * rows + a2  # (n, H·W)
        y_in = b0 * cols + b1 * rows + b2
        if interpolation == "nearest":  # the closest pixel, weight 1
            ys, xs = [np.floor(y_in + 0.5)], [np.floor(x_in + 0.5)]
            wys = wxs = [np.ones_like(x_in)]
        else:  # the four pixels around (y_in, x_in), weighted by closeness
            y0, x0 = np.floor(y_in), np.floor(x_in)
            dy, dx = y_in - y0, x_in - x0
            ys, xs, wys, wxs = [y0, y0 + 1], [x0, x0 + 1], [1 - dy, dy], [1 - dx, dx]
        rows = [_fix(v.astype(np.intp), H, fill_mode) for v in ys]
        cols = [_fix(v.astype(np.intp), W, fill_mode) for v in xs]
        index, weight = [], []
        self.outside = np.zeros_like(x_in) if fill_mode == "constant" else None
        for (r, inside_r), wy in zip(rows, wys):
            for (c, inside_c), wx in zip(cols, wxs):
                w = wy * wx
                if self.outside is not None:
                    inside = inside_r & inside_c
                    self.outside += w * ~inside
                    w = w * inside
                index.append(r * W + c)
                weight.append(w)
        self.index = np.stack(index, axis=-1)  # (n, H·W, r)
        self.weight = np.stack(weight, axis=-1)

    def apply(self, x: np.ndarray, fill_value: float) -> np.ndarray:
        """``y[n, i, j] = Σ_r w_r · x[n, p_r]`` (+ ``fill_value`` times the outside weight)."""
        n, H, W, C = x.shape
        flat = x.reshape(n, H * W, C)
        r = self.index.shape[-1]
        gathered = np.take_along_axis(flat, self.index.reshape(n, -1, 1), axis=1)
        w = self.weight.astype(x.dtype)
        y = (w[..., None] * gathered.reshape(n, H * W, r, C)).sum(axis=2)
        if self.outside is not None and fill_value:
            y += (self.outside * fill_value).astype(x.dtype)[..., None]
        return y.reshape(x.shape)

    def adjoint(self, dy: np.ndarray) -> np.ndarray:
        """``dx[n, p_r] += w_r · dy[n, i, j]``: each output's gradient back to the pixels read."""
        n, H, W, C = dy.shape
        contributions = self.weight.astype(dy.dtype)[..., None] * dy.reshape(n, H * W, 1, C)
        flat_index = self.index + (np.arange(n) * H * W)[:, None, None]
        dx = np.zeros((n * H * W, C), dy.dtype)
        np.add.at(dx, flat_index.reshape(-1), contributions.reshape(-1, C))
        return dx.reshape(dy.shape)
