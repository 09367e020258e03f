"""The softmax of attention scores over the keys, with masked keys left out."""

from __future__ import annotations

import numpy as np

#: what a masked score becomes before the softmax (Keras's ``_large_negative_number``)
LARGE_NEGATIVE = -1e9


def masked_softmax(z: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``p = softmax(z)`` along the last axis, where a masked score (``mask`` False, broadcast
    against ``z``) is replaced by ``-10⁹`` first, so that it gets no weight.

    Example: ``z = [1, 2, 5]``, ``mask = [T, T, F]``: ``p = [0.269, 0.731, 0]``.
    """
    if mask is not None:
        z = np.where(mask, z, z.dtype.type(LARGE_NEGATIVE))
    else:
        z = z.copy()
    z -= z.max(axis=-1, keepdims=True)  # e^(z - max): the same p, without overflow
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def masked_softmax_backward(dp: np.ndarray, p: np.ndarray,
                            mask: np.ndarray | None) -> np.ndarray:
    """``dz`` from ``dp`` for ``p = masked_softmax(z, mask)``: the softmax's Jacobian
    ``dz = p · (dp - Σ_j dp_j p_j)``, and 0 for the masked scores (they were replaced by a
    constant, so ``z`` there does not reach ``p``)."""
    dz = dp * p
    dz -= p * dz.sum(axis=-1, keepdims=True)
    if mask is not None:
        dz = np.where(mask, dz, dz.dtype.type(0))
    return dz
