"""``tf.nn``: activations and the losses fused with softmax, each next to its derivative."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..i18n import _
from ..tape import record
from ..tensor import Tensor
from ._core import activation, as_tensor, elementwise, normalize_axis
from .math import multiply, sigmoid, softplus, tanh
from .math import top_k as top_k  # tf.nn.top_k is tf.math.top_k

__all__ = ["elu", "gelu", "l2_loss", "leaky_relu", "log_softmax", "relu", "relu6", "sigmoid",
           "sigmoid_cross_entropy_with_logits", "silu", "softmax",
           "softmax_cross_entropy_with_logits", "softplus",
           "sparse_softmax_cross_entropy_with_logits", "swish", "tanh"]


def relu(features, name=None) -> Tensor:
    """``max(x, 0)``;  ``dy/dx = 1`` where ``x > 0``, else 0 (``activations.ReLU``)."""
    return activation("relu", features, activations.relu)


def relu6(features, name=None) -> Tensor:
    """``min(max(x, 0), 6)``;  ``dy/dx = 1`` on ``(0, 6)``."""
    return elementwise("relu6", features, lambda x: np.clip(x, 0, 6),
                       lambda x, y: (x > 0) & (x < 6))


def leaky_relu(features, alpha=0.2, name=None) -> Tensor:
    """``x`` for ``x > 0``, else ``αx``;  ``dy/dx = 1`` or ``α`` (``activations.LeakyReLU``)."""
    return activation("leaky_relu", features, activations.LeakyReLU(alpha))


def elu(features, name=None) -> Tensor:
    """``x`` for ``x > 0``, else ``eˣ - 1``;  ``dy/dx = 1`` or ``y + 1`` (``activations.ELU``)."""
    return activation("elu", features, activations.elu)


def gelu(features, approximate=False, name=None) -> Tensor:
    """``x Φ(x)``;  ``dy/dx = Φ(x) + x φ(x)`` (``activations.GELU``, exact form only)."""
    if approximate:
        raise NotImplementedError(_("glassnet's gelu is the exact form: use "
                                    "approximate=False."))
    return activation("gelu", features, activations.gelu)


def silu(features, beta=1.0, name=None) -> Tensor:
    """``x · σ(x)``;  ``dy/dx = σ(x)(1 + x(1 - σ(x)))`` (``activations.Swish``; beta 1)."""
    if beta != 1.0:
        return multiply(features, sigmoid(multiply(features, beta)))
    return activation("silu", features, activations.swish)


swish = silu


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))  # shifted: e never overflows
    return e / e.sum(axis=axis, keepdims=True)


def softmax(logits, axis=-1, name=None) -> Tensor:
    """``pᵢ = eˣⁱ / Σⱼ eˣʲ`` along ``axis``;  ``dx = p ⊙ (dp - Σ dp ⊙ p)``."""
    x = as_tensor(logits)
    axis = normalize_axis(axis, x.ndim)[0]
    p = _softmax(x.array, axis)
    return record(Tensor(p), [x], lambda dp: [
        p * (dp - np.sum(dp * p, axis=axis, keepdims=True))], "softmax")


def log_softmax(logits, axis=-1, name=None) -> Tensor:
    """``yᵢ = xᵢ - ln Σⱼ eˣʲ``;  ``dx = dy - softmax(x) · Σ dy``."""
    x = as_tensor(logits)
    axis = normalize_axis(axis, x.ndim)[0]
    shifted = x.array - x.array.max(axis=axis, keepdims=True)
    y = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return record(Tensor(y), [x], lambda dy: [
        dy - np.exp(y) * dy.sum(axis=axis, keepdims=True)], "log_softmax")


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None) -> Tensor:
    """Per example ``L = -Σᵢ yᵢ ln softmax(x)ᵢ`` (``labels`` ``y`` are probabilities).

    ``dL/dx = softmax(x) · Σ y - y`` (``p - y`` for one-hot labels, the fused gradient of
    ``losses.py``) and ``dL/dy = -log_softmax(x)``.
    """
    x, y = as_tensor(logits), as_tensor(labels)
    if y.dtype != x.dtype:
        y = as_tensor(y.array, x.dtype)
    if x.shape != y.shape:
        raise ValueError(_("labels and logits must have the same shape; got labels "
                           "{shape} and logits {shape2}. For integer class labels use "
                           "tf.nn.sparse_softmax_cross_entropy_with_logits.").format(
                               shape=y.shape, shape2=x.shape))
    axis = normalize_axis(axis, x.ndim)[0]
    shifted = x.array - x.array.max(axis=axis, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    loss = -np.sum(y.array * log_p, axis=axis)

    def vjp(dL):
        dL = np.expand_dims(dL, axis)
        p = np.exp(log_p)
        return [dL * (-log_p), dL * (p * y.array.sum(axis=axis, keepdims=True) - y.array)]

    return record(Tensor(loss), [y, x], vjp, "softmax_cross_entropy_with_logits")


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None) -> Tensor:
    """Per example ``L = -ln softmax(x)[label]``;  ``dL/dx = p - onehot(label)``."""
    x = as_tensor(logits)
    labels = np.asarray(as_tensor(labels).array)
    if labels.dtype.kind not in "iu":
        if not np.all(labels == np.round(labels)):
            raise ValueError(_("sparse_softmax_cross_entropy_with_logits needs integer "
                               "class labels; for one-hot or probability labels use "
                               "tf.nn.softmax_cross_entropy_with_logits."))
        labels = labels.astype(np.int64)
    if labels.shape != x.shape[:-1]:
        raise ValueError(_("labels of shape {shape} do not fit logits of shape {shape2}: "
                           "labels need the shape {shape3} (one class index per example).").format(
                               shape=labels.shape, shape2=x.shape, shape3=x.shape[:-1]))
    n = x.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        bad = labels.max() if labels.max() >= n else labels.min()
        raise ValueError(_("Received a label value of {bad} which is outside the valid "
                           "range of [0, {n}).").format(bad=int(bad), n=n))
    shifted = x.array - x.array.max(axis=-1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    loss = -np.take_along_axis(log_p, labels[..., None], axis=-1)[..., 0]

    def vjp(dL):
        grad = np.exp(log_p)
        np.put_along_axis(grad, labels[..., None],
                          np.take_along_axis(grad, labels[..., None], axis=-1) - 1, axis=-1)
        return [dL[..., None] * grad]

    return record(Tensor(loss), [x], vjp, "sparse_softmax_cross_entropy_with_logits")


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None) -> Tensor:
    """``L = max(x, 0) - x·z + ln(1 + e^-|x|)`` (stable form of ``-z ln σ(x) - (1-z) ln(1-σ(x))``);
    ``dL/dx = σ(x) - z``, ``dL/dz = -x``."""
    x, z = as_tensor(logits), as_tensor(labels)
    if z.dtype != x.dtype:
        z = as_tensor(z.array, x.dtype)
    if x.shape != z.shape:
        raise ValueError(_("labels and logits must have the same shape; got labels "
                           "{shape} and logits {shape2}.").format(shape=z.shape, shape2=x.shape))
    a, t = x.array, z.array
    loss = np.maximum(a, 0) - a * t + np.log1p(np.exp(-np.abs(a)))
    return record(Tensor(loss), [z, x], lambda dL: [
        dL * -a, dL * (1 / (1 + np.exp(-a)) - t)], "sigmoid_cross_entropy_with_logits")


def dropout(x, rate: float, noise_shape=None, seed=None, name=None) -> Tensor:
    """Each entry kept with probability ``1 - rate`` and scaled by ``1 / (1 - rate)``, else 0
    (``tf.nn.dropout``, always on: the layer ``Dropout`` is the one that knows training);
    ``dx = dy · m`` with the same mask ``m``."""
    from .. import random as grandom

    x = as_tensor(x)
    rate = float(rate)
    if not 0 <= rate < 1:
        raise ValueError(_("tf.nn.dropout: rate must be in [0, 1), got {rate!r}.").format(
            rate=rate))
    shape = x.shape if noise_shape is None else tuple(
        n if d is None else int(d) for d, n in zip(noise_shape, x.shape))
    rng = np.random.default_rng(seed) if seed is not None else grandom.rng()
    m = (rng.random(shape) >= rate).astype(x.dtype) * x.dtype.type(1 / (1 - rate))
    return record(Tensor(x.array * m), [x], lambda dy: [dy * m], "dropout")


def embedding_lookup(params, ids, max_norm=None, name=None) -> Tensor:
    """The rows ``params[ids]`` (``tf.gather`` along axis 0): an embedding table's vectors
    of token ids; the gradient adds each ``dy`` row onto the row it was read from."""
    from .array import gather

    return gather(params, ids)


def l2_loss(t, name=None) -> Tensor:
    """``Σ t² / 2``;  ``dt = t``."""
    x = as_tensor(t)
    return record(Tensor(np.sum(x.array ** 2) / 2), [x], lambda dy: [dy * x.array], "l2_loss")


# tf ops on symbolic tensors (functional API) record graph nodes, see symbolic.py
from .symbolic import dispatch  # noqa: E402

dispatch(globals())
