"""``Dot``: the dot product of two inputs along one axis each, sample by sample."""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..i18n import _
from .base import Layer
from .merge import Merge


class Dot(Merge):
    """``y[n] = Σ_k a[n, ..., k] · b[n, k, ...]``: contract axis ``axes[0]`` of ``a`` with
    axis ``axes[1]`` of ``b`` (Keras counts the batch axis as 0), for each sample ``n``.

    Two vectors ``(batch, d)``, ``axes=1``: ``y = Σ_k a_k b_k``, shape ``(batch, 1)``.
    Sequences ``(batch, n, d)`` and ``(batch, m, d)``, ``axes=2``: ``y = a · bᵀ``, shape
    ``(batch, n, m)`` (attention scores). With ``normalize=True`` each input is first
    divided by its L2 norm along its axis, so ``y`` is the cosine similarity.

    Written as matrices per sample, ``A (p, k)`` and ``B (k, q)`` (the other axes flattened),
    ``Y = A·B``, and backward is the matrix product's: ``dA = dY·Bᵀ``, ``dB = Aᵀ·dY``.
    Through the normalisation ``â = a / ‖a‖``: ``da = (dâ - â (â·dâ)) / ‖a‖``.
    """

    min_inputs = max_inputs = 2
    merges_masks = False  # its output's axes are not its inputs' positions

    def __init__(self, axes, normalize: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        pair = (axes, axes) if isinstance(axes, (int, np.integer)) else tuple(axes)
        if len(pair) != 2 or any(isinstance(a, bool) or not isinstance(a, (int, np.integer))
                                 for a in pair):
            raise ValueError(_("Dot axes must be an integer or a pair of integers, got "
                               "{axes!r}.").format(axes=axes))
        self.axes = axes if isinstance(axes, (int, np.integer)) else list(pair)
        self._pair = (int(pair[0]), int(pair[1]))
        self.normalize = bool(normalize)

    def _sample_axes(self, shapes) -> tuple[int, int]:
        """``axes`` as axes of the batched arrays, 1 .. ndim - 1."""
        out = []
        for a, shape in zip(self._pair, shapes):
            ndim = len(shape) + 1
            if not -ndim < a < ndim or a % ndim == 0:
                raise InputError(_("Dot layer {name!r}: axes={axes} is not an axis of inputs "
                                   "of shape {shape} (axis 0 is the batch).").format(
                    name=self.name, axes=self.axes, shape=(None, *shape)))
            out.append(a % ndim)
        return out[0], out[1]

    def build(self, input_shape):
        shapes = self._check_list(input_shape)
        a1, a2 = self._sample_axes(shapes)
        if shapes[0][a1 - 1] != shapes[1][a2 - 1]:
            raise InputError(_(
                "Dot layer {name!r} multiplies axis {a1} of input 0, shape {s1}, with axis {a2} "
                "of input 1, shape {s2}, but they have different sizes ({n1} and {n2}). "
                "Choose axes of one size (Keras counts the batch axis as 0).").format(
                    name=self.name, a1=a1, a2=a2, s1=(None, *shapes[0]), s2=(None, *shapes[1]),
                    n1=shapes[0][a1 - 1], n2=shapes[1][a2 - 1]))
        Layer.build(self, input_shape)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        a1, a2 = self._sample_axes(shapes)
        rest = [*(d for i, d in enumerate(shapes[0]) if i != a1 - 1),
                *(d for i, d in enumerate(shapes[1]) if i != a2 - 1)]
        return tuple(rest) or (1,)

    def forward(self, xs, training=False):
        a, b = xs
        self.axes_ = self._sample_axes([a.shape[1:], b.shape[1:]])
        A = np.moveaxis(a, self.axes_[0], -1)  # (n, P..., k)
        B = np.moveaxis(b, self.axes_[1], 1)  # (n, k, Q...)
        self.moved_shapes = (A.shape, B.shape)
        n, k = len(a), A.shape[-1]
        A, B = A.reshape(n, -1, k), B.reshape(n, k, -1)
        if self.normalize:  # â = a / ‖a‖ along the contracted axis
            self.norms = (np.sqrt(np.maximum((A * A).sum(-1, keepdims=True), 1e-12)),
                          np.sqrt(np.maximum((B * B).sum(1, keepdims=True), 1e-12)))
            A, B = A / self.norms[0], B / self.norms[1]
        self.A, self.B = A, B
        Y = A @ B  # (n, p, q)
        return Y.reshape(n, *self.output_shape)

    def backward(self, dy):
        n = len(dy)
        A, B = self.A, self.B
        dY = dy.reshape(n, A.shape[1], B.shape[2])
        dA = dY @ B.transpose(0, 2, 1)  # dA = dY·Bᵀ
        dB = A.transpose(0, 2, 1) @ dY  # dB = Aᵀ·dY
        if self.normalize:  # da = (dâ - â (â·dâ)) / ‖a‖
            dA = (dA - A * (A * dA).sum(-1, keepdims=True)) / self.norms[0]
            dB = (dB - B * (B * dB).sum(1, keepdims=True)) / self.norms[1]
        da = np.moveaxis(dA.reshape(self.moved_shapes[0]), -1, self.axes_[0])
        db = np.moveaxis(dB.reshape(self.moved_shapes[1]), 1, self.axes_[1])
        return [da, db]

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def dot(inputs, axes=-1, normalize: bool = False, **kwargs):
    """``layers.dot([a, b], axes)``: ``Dot(axes, normalize)([a, b])``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
