"""Activation layers with arguments, as Keras has them: ``ReLU``, ``LeakyReLU``, ``ELU``,
``PReLU`` and ``Softmax``.

``ReLU``, ``LeakyReLU`` and ``ELU`` are the ``Activation`` layer with a configured function
(each function keeps its derivative next to it, as in ``glassnet.activations``). ``PReLU``
learns its negative slope; ``Softmax`` normalises along any axis.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import activations, initializers
from ..i18n import _
from .activation import Activation
from .base import Layer


class ReLUFunction(activations.Activation):
    """Keras's ``relu(x, negative_slope, max_value, threshold)`` with ``t = threshold``,
    ``m = max_value``, ``s = negative_slope``::

        f(x) = m                 x >= m
        f(x) = x                 t < x < m
        f(x) = s · (x - t)       x <= t      (0 with the default s = 0)

    exactly as Keras computes it: ``clip(x · [x > t], 0, m) - s · max(t - x, 0)``.
    Derivative: ``1`` on ``t < x < m``, ``s`` below ``t``, ``0`` above ``m``.

    Example (Keras's docs): ``m = 10, s = 0.5, t = 0`` maps ``[-10, -5, 0, 5, 10]`` to
    ``[-5, -2.5, 0, 5, 10]``.
    """

    name = "relu"

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0) -> None:
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)

    def forward(self, z):
        a = np.where(z > self.threshold, z, 0).astype(z.dtype, copy=False)
        if self.max_value is not None:
            np.clip(a, 0, self.max_value, out=a)
        if self.negative_slope:
            a -= z.dtype.type(self.negative_slope) * np.maximum(self.threshold - z, 0)
        return a

    def backward(self, z, a, da):
        passes = z > self.threshold
        if self.max_value is not None:
            passes &= z < self.max_value
        dz = da * passes
        if self.negative_slope:
            dz += da * (z < self.threshold) * z.dtype.type(self.negative_slope)
        return dz


def _non_negative(value, what: str, layer: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float, np.number)) \
            or not value >= 0:
        raise ValueError(_("{layer} {what} must be a number >= 0, got {value!r}.").format(
                               layer=layer, what=what, value=value))
    return float(value)


class ReLU(Activation):
    """``ReLU(max_value=None, negative_slope=0.0, threshold=0.0)``: see ``ReLUFunction``.

    ``ReLU(max_value=6)`` is ReLU6 (MobileNet); ``ReLU()`` is the plain ``max(x, 0)``.
    """

    formula = "y = clip(x·[x > threshold], 0, max_value) - negative_slope·max(threshold - x, 0)"
    backward_formula = "dx = dy·[threshold < x < max_value] + negative_slope·dy·[x < threshold]"

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs) -> None:
        max_value = _non_negative(max_value, "max_value", "ReLU", allow_none=True)
        negative_slope = _non_negative(negative_slope, "negative_slope", "ReLU")
        threshold = _non_negative(threshold, "threshold", "ReLU")
        super().__init__(ReLUFunction(max_value, negative_slope, threshold), **kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def get_config(self):
        config = Layer.get_config(self)
        return {**config, "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


_warned_alpha = False


class LeakyReLU(Activation):
    """``f(x) = x`` for ``x >= 0``, ``negative_slope · x`` below; ``f' = 1`` or the slope.

    Keras 3's default slope is 0.3 (the ``leaky_relu`` *activation*'s is 0.2). Keras 2
    spelled the argument ``alpha``; it is accepted, with a one-time warning.

    Example (Keras's docs): ``LeakyReLU(negative_slope=0.5)`` maps ``[-10, -5, 0, 5, 10]``
    to ``[-5, -2.5, 0, 5, 10]``.
    """

    formula = "y = x if x >= 0 else negative_slope·x"
    backward_formula = "dx = dy if x > 0 else negative_slope·dy"

    def __init__(self, negative_slope: float = 0.3, **kwargs) -> None:
        global _warned_alpha
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            if not _warned_alpha:
                _warned_alpha = True
                warnings.warn(_("LeakyReLU(alpha=...) is Keras 2's spelling; Keras 3 "
                                "calls it negative_slope: use "
                                "LeakyReLU(negative_slope=...)."),
                              DeprecationWarning, stacklevel=2)
        negative_slope = _non_negative(negative_slope, "negative_slope", "LeakyReLU")
        super().__init__(activations.LeakyReLU(negative_slope), **kwargs)
        self.negative_slope = negative_slope

    def get_config(self):
        return {**Layer.get_config(self), "negative_slope": self.negative_slope}


class ELU(Activation):
    """``f(x) = x`` for ``x > 0``, ``alpha · (e^x - 1)`` below; ``f' = 1`` or ``f(x) + alpha``."""

    formula = "y = x if x > 0 else alpha·(exp(x) - 1)"
    backward_formula = "dx = dy if x > 0 else dy·(y + alpha)"

    def __init__(self, alpha: float = 1.0, **kwargs) -> None:
        super().__init__(activations.ELU(alpha), **kwargs)
        self.alpha = float(alpha)

    def get_config(self):
        return {**Layer.get_config(self), "alpha": self.alpha}


class PReLU(Layer):
    """Parametric ReLU: ``y = max(x, 0) - α · max(-x, 0)`` with a learned slope ``α``.

    ``α`` has the shape of one sample, ``(d1, d2, ...)``, except along ``shared_axes``
    (numbered with the batch axis as 0, as in Keras), where it has size 1 and is shared:
    after ``Conv2D``, ``shared_axes=[1, 2]`` gives one ``α`` per channel, shape ``(1, 1, C)``.

    Backward, with ``[·]`` the indicator::

        dx = dy · ([x > 0] + α · [x < 0])
        dα = Σ over the batch and the shared axes of dy · min(x, 0)
    """

    formula = "y = max(x, 0) - alpha * max(-x, 0)"
    backward_formula = "dx = dy·([x>0] + α·[x<0]);  dα = Σ dy·min(x, 0)"

    def __init__(self, alpha_initializer: str = "Zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes: int | list[int] | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if alpha_regularizer is not None or alpha_constraint is not None:
            raise NotImplementedError(_("PReLU: alpha_regularizer and alpha_constraint "
                                        "are not supported yet; leave them None."))
        self.alpha_initializer = alpha_initializer
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(a) for a in shared_axes]
        else:
            self.shared_axes = [int(shared_axes)]

    def build(self, input_shape):
        shape = list(input_shape)
        for axis in self.shared_axes or []:
            if not 1 <= axis <= len(shape):
                raise ValueError(
                    _("PReLU layer {name!r}: shared_axes={shared_axes} must number axes "
                      "1..{n_shape} of inputs shaped (batch, {shape}) (0 is the batch "
                      "axis).").format(
                          name=self.name, shared_axes=self.shared_axes, n_shape=len(shape),
                          shape=", ".join(map(str, input_shape)))
                )
            shape[axis - 1] = 1
        self.add_weight("alpha", tuple(shape), self.alpha_initializer)
        self._sum_axes = tuple(i for i, d in enumerate(shape, start=1)
                               if d == 1 and input_shape[i - 1] != 1)
        super().build(input_shape)

    def forward(self, x, training=False):
        self.x = x
        alpha = self.params["alpha"]
        return np.maximum(x, 0) - alpha * np.maximum(-x, 0)

    def backward(self, dy):
        x, alpha = self.x, self.params["alpha"]
        negative = np.minimum(x, 0)  # dy/dα = min(x, 0)
        self.grads["alpha"][...] = (dy * negative).sum(axis=(0, *self._sum_axes),
                                                       keepdims=True)[0]
        if not self.need_input_grad:
            return None
        return dy * np.where(x > 0, 1, alpha).astype(dy.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "shared_axes": self.shared_axes}


class Softmax(Layer):
    """``y_i = e^(x_i) / Σ_j e^(x_j)`` along ``axis`` (default the last one).

    Backward, the Jacobian ``diag(y) - y yᵀ`` applied to ``dy``:
    ``dx = y · (dy - Σ_j dy_j y_j)``. With the default ``axis=-1`` as the last layer, the
    model fuses it with cross-entropy (``dz = y - onehot``), as ``Dense(..., "softmax")``.

    Example (Keras's docs): ``[1, 2, 1]`` gives ``[0.21194157, 0.5761169, 0.21194157]``.
    """

    formula = "y = exp(x) / sum(exp(x)) along axis"
    backward_formula = "dx = y·(dy - Σ dy·y)"

    def __init__(self, axis: int | list[int] = -1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        self._axes = tuple(int(a) for a in axes)
        # the loss may take over (fused softmax + cross-entropy) on the last axis only
        self.activation = activations.softmax if self._axes == (-1,) else None
        self.fused_activation = False

    def forward(self, x, training=False):
        self.z = x
        if self.activation is not None:
            self.a = self.activation.forward(x)
        else:
            e = np.exp(x - x.max(axis=self._axes, keepdims=True))
            e /= e.sum(axis=self._axes, keepdims=True)
            self.a = e
        return self.a

    def backward(self, dy):
        if self.fused_activation:
            return dy  # the loss already returned dL/dz
        y = self.a
        return y * (dy - (dy * y).sum(axis=self._axes, keepdims=True))

    def get_config(self):
        axis = list(self.axis) if isinstance(self.axis, (list, tuple)) else self.axis
        return {**super().get_config(), "axis": axis}
