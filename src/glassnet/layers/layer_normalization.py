"""``LayerNormalization``: standardise each sample over its features, then scale and shift."""

from __future__ import annotations

import numpy as np

from .. import initializers
from ..i18n import N_, _
from .base import Layer


class LayerNormalization(Layer):
    """``y = γ · (x - μ) / √(σ² + ε) + β``, with ``μ, σ²`` taken over the features of each
    sample (the ``axis``, by default the last), not over the batch.

    Shapes: ``x, y (batch, ..., C)``; ``γ, β (C,)`` (one per value of the normalised axes);
    ``μ, σ²`` one per sample (per time step of a sequence). Training and inference compute
    the same thing, so there are no moving statistics.

    **Backpropagation**, with ``x̂ = (x - μ)/√(σ² + ε)`` and means over the ``n`` values of
    one sample's normalised axes (``μ`` and ``σ²`` depend on each of them)::

        dβ = Σ_batch dy
        dγ = Σ_batch dy · x̂
        dx̂ = dy · γ
        dx = (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)) / √(σ² + ε)
    """

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True

    formula = "y = gamma * (x - mean) / sqrt(var + epsilon) + beta  (per sample)"
    backward_formula = N_("dβ = Σ dy;  dγ = Σ dy·x̂;  "
                          "dx = (dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)) / √(σ²+ε),  dx̂ = dy·γ")

    def __init__(
        self,
        axis: int | list[int] | tuple[int, ...] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str = "zeros",
        gamma_initializer: str = "ones",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer))
                           for a in axes):
            raise ValueError(_("LayerNormalization axis must be an integer or a list of "
                               "integers, got {axis!r}.").format(axis=axis))
        if not float(epsilon) > 0:
            raise ValueError(_("LayerNormalization epsilon must be positive, got "
                               "{epsilon!r}.").format(epsilon=epsilon))
        self.axis = int(axes[0]) if not isinstance(axis, (list, tuple)) else [int(a)
                                                                               for a in axes]
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer

    def build(self, input_shape):
        ndim = len(input_shape) + 1  # with the batch axis
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -ndim <= a < ndim or a % ndim == 0 for a in axes):
            raise ValueError(
                _("LayerNormalization layer {name!r}: axis={axis} is not a feature axis "
                  "of inputs shaped (batch, {shape}).").format(
                      name=self.name, axis=self.axis, shape=", ".join(map(str, input_shape))))
        self._axes = tuple(sorted(a % ndim for a in axes))
        if any(input_shape[a - 1] is None for a in self._axes):
            raise ValueError(
                _("LayerNormalization layer {name!r}: axis={axis} has no fixed size in "
                  "inputs shaped (batch, {shape}); normalise over the features (axis=-1).")
                .format(name=self.name, axis=self.axis, shape=", ".join(map(str, input_shape))))
        shape = tuple(input_shape[a - 1] for a in self._axes)  # Keras's weight shape
        if self.scale:
            self.add_weight("gamma", shape, self.gamma_initializer)
        if self.center:
            self.add_weight("beta", shape, self.beta_initializer)
        super().build(input_shape)

    def _bcast(self, v: np.ndarray, ndim: int) -> np.ndarray:
        """``γ`` or ``β`` shaped to broadcast against ``x`` along the normalised axes."""
        shape = [1] * ndim
        for a, n in zip(self._axes, v.shape):
            shape[a] = n
        return v.reshape(shape)

    def forward(self, x, training=False):
        mean = x.mean(axis=self._axes, keepdims=True)
        var = x.var(axis=self._axes, keepdims=True)
        self.inv_std = (1 / np.sqrt(var + self.epsilon)).astype(x.dtype)  # 1/√(σ² + ε)
        self.x_hat = (x - mean) * self.inv_std
        y = self.x_hat
        if self.scale:
            y = y * self._bcast(self.params["gamma"], x.ndim)
        if self.center:
            y = y + self._bcast(self.params["beta"], x.ndim)
        return y

    def backward(self, dy):
        x_hat = self.x_hat
        batch_axes = tuple(i for i in range(dy.ndim) if i not in self._axes)
        if self.center:  # dL/dβ = Σ dy over everything but the normalised axes
            self.grads["beta"][...] = dy.sum(axis=batch_axes).reshape(self.grads["beta"].shape)
        if self.scale:  # dL/dγ = Σ dy · x̂
            self.grads["gamma"][...] = (dy * x_hat).sum(axis=batch_axes).reshape(
                self.grads["gamma"].shape)
        if not self.need_input_grad:
            return None
        dx_hat = dy * self._bcast(self.params["gamma"], dy.ndim) if self.scale else dy
        dx = dx_hat - dx_hat.mean(axis=self._axes, keepdims=True)
        dx -= x_hat * (dx_hat * x_hat).mean(axis=self._axes, keepdims=True)
        dx *= self.inv_std
        return dx

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
        }
