"""``BatchNormalization``: standardise each feature over the batch, then scale and shift."""

from __future__ import annotations

import numpy as np

from .. import initializers
from ..i18n import N_, _
from .base import Layer


class BatchNormalization(Layer):
    """``y = γ · (x - μ) / √(σ² + ε) + β``, one ``μ, σ², γ, β`` per feature (channel).

    Shapes: ``x, y (batch, ..., C)``, the feature axis ``axis=-1`` (channels-last images
    ``(batch, H, W, C)``, or ``(batch, C)`` after ``Dense``); ``γ, β, μ, σ² (C,)``.
    Statistics are taken over every other axis: for images, ``m = batch·H·W`` values per
    channel.

    **Training** (``fit``): ``μ, σ²`` are the batch's own mean and (biased) variance, and
    the moving statistics follow them::

        moving_mean     ← momentum · moving_mean     + (1 - momentum) · μ
        moving_variance ← momentum · moving_variance + (1 - momentum) · σ²

    **Inference** (``predict``, ``evaluate``): ``μ, σ²`` are ``moving_mean`` and
    ``moving_variance``, so a sample's output does not depend on the rest of its batch.
    The moving statistics are non-trainable weights, saved with the model. A layer with
    ``trainable=False`` always runs in inference mode, as in Keras.

    **Backpropagation** in training mode, with ``x̂ = (x - μ)/√(σ² + ε)`` and sums over
    the ``m`` values of a feature (``μ`` and ``σ²`` depend on every ``x``, hence the two
    correction terms)::

        dβ = Σ dy
        dγ = Σ dy · x̂
        dx = γ / √(σ² + ε) · (dy - dβ/m - x̂ · dγ/m)

    In inference mode ``μ, σ²`` are constants and ``dx = γ / √(σ² + ε) · dy``.
    """

    formula = "y = gamma * (x - mean) / sqrt(var + epsilon) + beta"
    handles_variable_length = True  # only the feature axis sizes the weights
    backward_formula = N_("dβ = Σ dy;  dγ = Σ dy·x̂;  "
                          "dx = γ/√(σ²+ε)·(dy - dβ/m - x̂·dγ/m)  (training)")

    def __init__(
        self,
        axis: int = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: str = "zeros",
        gamma_initializer: str = "ones",
        moving_mean_initializer: str = "zeros",
        moving_variance_initializer: str = "ones",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(_("BatchNormalization axis must be one integer, got "
                               "{axis!r}.").format(axis=axis))
        if not 0 <= float(momentum) <= 1:
            raise ValueError(_("BatchNormalization momentum must be in [0, 1], got "
                               "{momentum!r}.").format(momentum=momentum))
        if not float(epsilon) > 0:
            raise ValueError(_("BatchNormalization epsilon must be positive, got "
                               "{epsilon!r}.").format(epsilon=epsilon))
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer

    def build(self, input_shape):
        ndim = len(input_shape) + 1  # with the batch axis
        if not -ndim < self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(
                _("BatchNormalization layer {name!r}: axis={axis} is not a feature axis "
                  "of inputs shaped (batch, {shape}).").format(
                      name=self.name, axis=self.axis, shape=", ".join(map(str, input_shape)))
            )
        self._axis = self.axis % ndim
        self._reduce = tuple(i for i in range(ndim) if i != self._axis)
        C = input_shape[self._axis - 1]
        if self.scale:
            self.add_weight("gamma", (C,), self.gamma_initializer)
        if self.center:
            self.add_weight("beta", (C,), self.beta_initializer)
        self.add_weight("moving_mean", (C,), self.moving_mean_initializer, trainable=False)
        self.add_weight("moving_variance", (C,), self.moving_variance_initializer,
                        trainable=False)
        super().build(input_shape)

    def _bcast(self, v: np.ndarray) -> np.ndarray:
        """A ``(C,)`` vector shaped to broadcast along the feature axis of ``x``."""
        shape = [1] * (len(self._reduce) + 1)
        shape[self._axis] = -1
        return v.reshape(shape)

    def forward(self, x, training=False):
        self.x = x
        self.training = bool(training) and self.trainable
        if self.training:
            mean = x.mean(axis=self._reduce)
            var = x.var(axis=self._reduce)  # biased (divides by m), as Keras
            mm, mv = self.state["moving_mean"], self.state["moving_variance"]
            mm *= self.momentum
            mm += (1 - self.momentum) * mean
            mv *= self.momentum
            mv += (1 - self.momentum) * var
        else:
            mean, var = self.state["moving_mean"], self.state["moving_variance"]
        self.inv_std = (1 / np.sqrt(var + self.epsilon)).astype(x.dtype)  # 1/√(σ² + ε)
        self.x_hat = (x - self._bcast(mean.astype(x.dtype))) * self._bcast(self.inv_std)
        y = self.x_hat
        if self.scale:
            y = y * self._bcast(self.params["gamma"])
        if self.center:
            y = y + self._bcast(self.params["beta"])
        self.a = y
        return y

    def backward(self, dy):
        x_hat = self.x_hat
        dbeta = dy.sum(axis=self._reduce)  # dL/dβ = Σ dy
        dgamma = (dy * x_hat).sum(axis=self._reduce)  # dL/dγ = Σ dy · x̂
        if self.center:
            self.grads["beta"][...] = dbeta
        if self.scale:
            self.grads["gamma"][...] = dgamma
        if not self.need_input_grad:
            return None
        g = self.inv_std * (self.params["gamma"] if self.scale else 1)
        if not self.training:
            return dy * self._bcast(g)
        m = dy.size // dbeta.size  # values per feature
        dx = dy - self._bcast(dbeta / m)
        dx -= x_hat * self._bcast(dgamma / m)
        dx *= self._bcast(g)
        return dx

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }
