"""``LSTM``: long short-term memory, a recurrent layer with gates and a cell state, and its
step, ``LSTMCell``."""

from __future__ import annotations

import numpy as np

from .. import activations
from ..i18n import N_
from .recurrent import RNN
from .rnn_cell import RecurrentCell


class LSTMCell(RecurrentCell):
    """One step of Hochreiter and Schmidhuber's LSTM, as Keras computes it::

        z = x_t W + h_{t-1} U + b            (batch, 4·units): four blocks i, f, c, o
        i = σ(z_i)   f = σ(z_f)   g = tanh(z_c)   o = σ(z_o)
        c_t = f · c_{t-1} + i · g           the cell state: forget some, write some
        h_t = o · tanh(c_t)                 the output and the next step's h

    ``σ`` is ``recurrent_activation`` (sigmoid) and ``tanh`` is ``activation``. Keras's
    weights: ``kernel W (features, 4u)``, ``recurrent_kernel U (u, 4u)``, ``bias b (4u,)``,
    gate blocks in the order i, f, c, o. ``unit_forget_bias=True`` starts ``b_f`` at 1, so
    the cell remembers at first.

    Backward at one step, given ``dh_t`` and ``dc_t`` (from step t+1)::

        do = dh · tanh(c_t)                     dc = dc_t + dh · o · tanh'(c_t)
        di = dc · g    df = dc · c_{t-1}    dg = dc · i    dc_{t-1} = dc · f
        dz = [di σ'(z_i), df σ'(z_f), dg tanh'(z_c), do σ'(z_o)]
    """

    gates = 4
    n_states = 2
    formula = N_("c_t = f·c_{t-1} + i·tanh(z_c); h_t = o·tanh(c_t)")
    backward_formula = N_("dc_{t-1} = dc·f; dz = [dc·g·σ', dc·c_{t-1}·σ', dc·i·tanh', do·σ']")

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, **kwargs) -> None:
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias:  # Keras: the forget gate's bias is 1
            self.params["bias"][self.units:2 * self.units] = 1

    def step(self, zx, zh, h, c):
        u, act, gate = self.units, self.activation, self.recurrent_activation
        z = zx + zh
        i, f = gate.forward(z[:, :u]), gate.forward(z[:, u:2 * u])
        g, o = act.forward(z[:, 2 * u:3 * u]), gate.forward(z[:, 3 * u:])
        c_new = f * c + i * g
        tc = act.forward(c_new)
        return o * tc, c_new, (z, i, f, g, o, c, c_new, tc)

    def step_backward(self, dh, dc, cache):
        z, i, f, g, o, c_prev, c, tc = cache
        u, act, gate = self.units, self.activation, self.recurrent_activation
        dc = dc + act.backward(c, tc, dh * o)
        dz = np.empty_like(z)
        dz[:, :u] = gate.backward(z[:, :u], i, dc * g)
        dz[:, u:2 * u] = gate.backward(z[:, u:2 * u], f, dc * c_prev)
        dz[:, 2 * u:3 * u] = act.backward(z[:, 2 * u:3 * u], g, dc * i)
        dz[:, 3 * u:] = gate.backward(z[:, 3 * u:], o, dh * tc)
        return dz, dz, 0, dc * f

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class LSTM(RNN):
    """``RNN(LSTMCell(units))``: the LSTM step (see ``LSTMCell``) over the time steps; the
    loop, masks and BPTT are in ``recurrent.RNN``. With ``return_state=True`` it returns
    ``[output, h_T, c_T]``, and ``initial_state=[h0, c0]`` starts it from given states.

    Example: one unit, all weights 0 except ``b = [0, 0, 1, 0]`` (``z_c = 1``): at the
    first step ``i = f = o = 0.5``, ``g = tanh(1) = 0.7616``, ``c_1 = 0.3808``,
    ``h_1 = 0.5 · tanh(0.3808) = 0.1817``.
    """

    cell_class = LSTMCell
    formula = LSTMCell.formula
    backward_formula = LSTMCell.backward_formula

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias: bool = True, **kwargs) -> None:
        cell_args, kwargs = self.split_arguments(kwargs)
        cell = LSTMCell(units, activation, recurrent_activation, use_bias, kernel_initializer,
                        recurrent_initializer, bias_initializer, unit_forget_bias,
                        owner="LSTM", **cell_args)
        super().__init__(cell, **kwargs)
