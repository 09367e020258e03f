"""``GRU``: the gated recurrent unit, Keras's default form (``reset_after=True``)."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..i18n import N_, _
from .recurrent import RNN


class GRU(RNN):
    """Cho et al.'s GRU as Keras computes it by default (``reset_after=True``, the form
    cuDNN uses). At each step, with ``zx = x_t W + b_x`` and ``zh = h_{t-1} U + b_h``, each
    in three blocks z, r, h::

        z = σ(zx_z + zh_z)                  update gate
        r = σ(zx_r + zh_r)                  reset gate
        ĥ = tanh(zx_h + r · zh_h)           candidate (reset applied after the product)
        h_t = z · h_{t-1} + (1 - z) · ĥ     keep some of the old state, take some new

    Keras's weights: ``kernel W (features, 3u)``, ``recurrent_kernel U (u, 3u)`` in the
    order z, r, h, and ``bias (2, 3u)``: row 0 is ``b_x``, row 1 ``b_h``. The loop over the
    steps, masks and BPTT are in ``recurrent.RNN``.

    Backward at one step, given ``dh_t``::

        dz = dh · (h_{t-1} - ĥ)      dĥ = dh · (1 - z)      dh_{t-1} (direct) = dh · z
        da = dĥ tanh'(...)          dr = da · zh_h
        dzx = [dz σ', dr σ', da]     dzh = [dz σ', dr σ', da · r]

    Example: one unit, all weights 0 except ``b_x = [0, 0, 1]``: at the first step
    ``z = r = 0.5``, ``ĥ = tanh(1) = 0.7616``, ``h_1 = 0.5 · 0.7616 = 0.3808``.
    """

    gates = 3
    separate_recurrent_bias = True
    formula = N_("h_t = z·h_{t-1} + (1-z)·tanh(zx_h + r·zh_h)")
    backward_formula = N_("dh_{t-1} = dh·z + dzh Uᵀ; dzx = [dz σ', dr σ', da]")

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after: bool = True, **kwargs) -> None:
        if not reset_after:
            raise NotImplementedError(_(
                "GRU(reset_after=False) (Keras 1's GRU, the reset gate applied before the "
                "recurrent product) is not supported by glassnet; use the default "
                "reset_after=True, Keras 2's and 3's default."))
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = True

    def step(self, zx, zh, h, c):
        u, act, gate = self.units, self.activation, self.recurrent_activation
        s_z = zx[:, :u] + zh[:, :u]
        s_r = zx[:, u:2 * u] + zh[:, u:2 * u]
        z, r = gate.forward(s_z), gate.forward(s_r)
        zh_h = zh[:, 2 * u:]
        s_h = zx[:, 2 * u:] + r * zh_h
        hh = act.forward(s_h)
        return z * h + (1 - z) * hh, None, (s_z, s_r, s_h, z, r, hh, zh_h, h)

    def step_backward(self, dh, dc, cache):
        s_z, s_r, s_h, z, r, hh, zh_h, h_prev = cache
        act, gate = self.activation, self.recurrent_activation
        da = act.backward(s_h, hh, dh * (1 - z))
        dz = gate.backward(s_z, z, dh * (h_prev - hh))
        dr = gate.backward(s_r, r, da * zh_h)
        dzx = np.concatenate([dz, dr, da], axis=1)
        dzh = np.concatenate([dz, dr, da * r], axis=1)
        return dzx, dzh, dh * z, None

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}
