"""``Dense``: the fully connected layer, ``a = f(xW + b)``."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..i18n import _
from .base import KernelLayer


class Dense(KernelLayer):
    """Every input connected to every unit: ``z = xW + b``, ``a = f(z)``.

    Shapes: ``x (batch, n_in)``, ``W (n_in, units)``, ``b (units,)``,
    ``z, a (batch, units)``. On inputs with more axes, ``(batch, ..., n_in)`` (a sequence
    of vectors, say), the same ``W`` and ``b`` act on the last axis at every position, as in
    Keras: ``z[n, t] = x[n, t] W + b``, ``z (batch, ..., units)``; for the gradients below,
    the positions count as extra samples (``x`` seen as ``(batch·..., n_in)``).

    Backpropagation, given ``da = dL/da`` from the layer above::

        dz = da * f'(z)          the activation's derivative
        dW = xᵀ · dz             (n_in, batch) · (batch, units)
        db = Σ_batch dz
        dx = dz · Wᵀ             passed to the layer below

    With regularizers, ``da += dR_a/da`` first and ``dW += dR_W/dW``, ``db += dR_b/db`` after.

    Example: one neuron with ``x = [1, 2]``, ``W = [[0.5], [-1]]``, ``b = [0.25]``
    gives ``z = 0.5 - 2 + 0.25 = -1.25``; with ReLU, ``a = 0`` and no gradient
    reaches ``W`` for this sample.
    """

    handles_variable_length = True  # any number of time steps (see Layer)
    supports_masking = True

    def __init__(
        self,
        units: int,
        activation: str | activations.Activation | None = None,
        use_bias: bool = True,
        kernel_initializer: str = "glorot_uniform",
        bias_initializer: str = "zeros",
        **kwargs,
    ) -> None:
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(_("Dense units must be a positive integer, got {units!r}.").format(
                units=units))
        self.units = int(units)
        # set by the model when the loss takes over f'(z) (softmax/sigmoid + cross-entropy)
        self.fused_activation = False

    def build(self, input_shape):
        if len(input_shape) == 0:
            raise ValueError(_(
                "Dense layer {name!r} expects inputs of shape (batch, features), got one "
                "number per sample, shape (batch,). Give each sample a features axis: "
                "x.reshape(-1, 1).").format(name=self.name))
        self.add_kernel((input_shape[-1], self.units))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def forward(self, x, training=False):
        self.x = x
        self.z = x @ self.W
        if self.use_bias:
            self.z += self.b
        self.a = self.activation.forward(self.z)
        return self.a

    def backward(self, da):
        # an activity penalty's dR/da, or None
        dR = None if self.activity_regularizer is None else self.activity_gradient()
        if self.fused_activation:  # the loss already returned dL/dz
            dz = da if dR is None else da + self.activation.backward(self.z, self.a, dR)
        else:
            dz = self.activation.backward(self.z, self.a, da if dR is None else da + dR)
        x2, dz2 = self.x, dz
        if x2.ndim > 2:  # (batch, ..., n) as (batch·..., n), a view
            x2, dz2 = x2.reshape(-1, x2.shape[-1]), dz.reshape(-1, self.units)
        np.matmul(x2.T, dz2, out=self.dW)  # dL/dW = xᵀ · dL/dz
        if self.use_bias:
            dz2.sum(axis=0, out=self.db)  # dL/db = Σ_batch dL/dz
        if self.kernel_regularizer is not None or self.bias_regularizer is not None:
            self.add_regularization_grads()  # + dR/dW, dR/db of weight penalties
        if not self.need_input_grad:
            return None
        return dz @ self.W.T  # dL/dx = dL/dz · Wᵀ

    def call_state(self):
        """On a tape the loss is an op of its own, so backward must apply f'(z) itself:
        the model's fusion of f with the loss (``fused_activation``) is not for the tape."""
        return {**super().call_state(), "fused_activation": False}

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            **self.kernel_config(),
        }
