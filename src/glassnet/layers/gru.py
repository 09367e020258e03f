"""``GRU``: the gated recurrent unit, and its step, ``GRUCell``, in both of Keras's forms
(``reset_after=True``, the default, and Keras 1's ``reset_after=False``)."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..i18n import N_
from .recurrent import RNN
from .rnn_cell import RecurrentCell


class GRUCell(RecurrentCell):
    """One step of Cho et al.'s GRU as Keras computes it. By default
    (``reset_after=True``, the form cuDNN uses), with ``zx = x_t W + b_x`` and
    ``zh = h_{t-1} U + b_h``, each in three blocks z, r, h::

        z = σ(zx_z + zh_z)                  update gate
        r = σ(zx_r + zh_r)                  reset gate
        ĥ = tanh(zx_h + r · zh_h)           candidate (reset applied after the product)
        h_t = z · h_{t-1} + (1 - z) · ĥ     keep some of the old state, take some new

    Keras's weights: ``kernel W (features, 3u)``, ``recurrent_kernel U (u, 3u)`` in the
    order z, r, h, and ``bias (2, 3u)``: row 0 is ``b_x``, row 1 ``b_h``.

    ``reset_after=False`` (Keras 1's GRU, in some Keras 2 code) applies the reset gate
    before the product and has one bias ``(3u,)``: ``ĥ = tanh(zx_h + (r · h_{t-1}) U_h)``,
    where ``U_h`` is the last block of ``U``; the loop multiplies ``h_{t-1}`` by the first
    two blocks only.

    Backward at one step, given ``dh_t``::

        dz = dh · (h_{t-1} - ĥ)      dĥ = dh · (1 - z)      dh_{t-1} (direct) = dh · z
        da = dĥ tanh'(...)          dr = da · zh_h     (reset_after=False: dr = (da U_hᵀ) · h_{t-1})
        dzx = [dz σ', dr σ', da]     dzh = [dz σ', dr σ', da · r]
        reset_after=False: dh_{t-1} += (da U_hᵀ) · r and dU_h = Σ_t (r · h_{t-1})ᵀ da
    """

    gates = 3
    formula = N_("h_t = z·h_{t-1} + (1-z)·tanh(zx_h + r·zh_h)")
    backward_formula = N_("dh_{t-1} = dh·z + dzh Uᵀ; dzx = [dz σ', dr σ', da]")

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after: bool = True, **kwargs) -> None:
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.separate_recurrent_bias = self.reset_after  # b_h beside b_x: (2, 3u)
        self.reset_terms: list = []  # reset_after=False: (r·h_{t-1}, da) of each step

    @property
    def loop_columns(self) -> int:
        return 3 * self.units if self.reset_after else 2 * self.units

    def step(self, zx, zh, h, c):
        u, act, gate = self.units, self.activation, self.recurrent_activation
        s_z = zx[:, :u] + zh[:, :u]
        s_r = zx[:, u:2 * u] + zh[:, u:2 * u]
        z, r = gate.forward(s_z), gate.forward(s_r)
        if self.reset_after:
            zh_h = zh[:, 2 * u:]
            s_h = zx[:, 2 * u:] + r * zh_h
        else:  # the reset gate before the product: (r · h_{t-1}) U_h
            zh_h = h if self.h_keep is None else h * self.h_keep  # what r multiplies
            s_h = zx[:, 2 * u:] + (r * zh_h) @ self.params["recurrent_kernel"][:, 2 * u:]
        hh = act.forward(s_h)
        return z * h + (1 - z) * hh, None, (s_z, s_r, s_h, z, r, hh, zh_h, h)

    def step_backward(self, dh, dc, cache):
        s_z, s_r, s_h, z, r, hh, zh_h, h_prev = cache
        act, gate = self.activation, self.recurrent_activation
        da = act.backward(s_h, hh, dh * (1 - z))
        dz = gate.backward(s_z, z, dh * (h_prev - hh))
        if self.reset_after:
            dr = gate.backward(s_r, r, da * zh_h)
            return (np.concatenate([dz, dr, da], axis=1),
                    np.concatenate([dz, dr, da * r], axis=1), dh * z, None)
        d_rh = da @ self.params["recurrent_kernel"][:, 2 * self.units:].T  # dL/d(r·h_in)
        dr = gate.backward(s_r, r, d_rh * zh_h)
        self.reset_terms.append((r * zh_h, da))
        dh_in = d_rh * r if self.h_keep is None else d_rh * r * self.h_keep
        return np.concatenate([dz, dr, da], axis=1), np.concatenate([dz, dr], axis=1), \
            dh * z + dh_in, None

    def finish_backward(self) -> None:
        """``reset_after=False``: ``dU_h = Σ_t (r·h_{t-1})ᵀ da_t``, one product."""
        if self.reset_after or not self.reset_terms:
            return
        rh = np.concatenate([a for a, _ in self.reset_terms])
        da = np.concatenate([b for _, b in self.reset_terms])
        self.grads["recurrent_kernel"][:, 2 * self.units:] = rh.T @ da
        self.reset_terms.clear()  # in place: saved call states share this one list

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class GRU(RNN):
    """``RNN(GRUCell(units))``: the GRU step (see ``GRUCell``) over the time steps; the
    loop, masks and BPTT are in ``recurrent.RNN``.

    Example: one unit, all weights 0 except ``b_x = [0, 0, 1]``: at the first step
    ``z = r = 0.5``, ``ĥ = tanh(1) = 0.7616``, ``h_1 = 0.5 · 0.7616 = 0.3808``.
    """

    cell_class = GRUCell
    formula = GRUCell.formula
    backward_formula = GRUCell.backward_formula

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after: bool = True, **kwargs) -> None:
        cell_args, kwargs = self.split_arguments(kwargs)
        cell = GRUCell(units, activation, recurrent_activation, use_bias, kernel_initializer,
                       recurrent_initializer, bias_initializer, reset_after, owner="GRU",
                       **cell_args)
        super().__init__(cell, **kwargs)
