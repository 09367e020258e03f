"""``SimpleRNN``: the plain recurrent layer, ``h_t = tanh(x_t W + h_{t-1} U + b)``, and its
step, ``SimpleRNNCell``."""

from __future__ import annotations

from ..i18n import N_
from .recurrent import RNN
from .rnn_cell import RecurrentCell


class SimpleRNNCell(RecurrentCell):
    """One step of ``SimpleRNN``: ``h_t = f(x_t W + h_{t-1} U + b)`` with ``f = tanh`` by
    default (Elman's network).

    Shapes: ``W (features, units)`` (Keras's ``kernel``), ``U (units, units)``
    (``recurrent_kernel``), ``b (units,)``.

    Backward at one step: ``dz_t = dh_t · f'(z_t)``; both the input part and the recurrent
    part of ``z_t`` get it, so ``dzx_t = dzh_t = dz_t``.
    """

    formula = N_("h_t = f(x_t W + h_{t-1} U + b)")
    backward_formula = N_("dz_t = dh_t * f'(z_t); dh_{t-1} = dz_t Uᵀ; dW = Σ x_tᵀ dz_t")

    def step(self, zx, zh, h, c):
        z = zx + zh
        a = self.activation.forward(z)
        return a, None, (z, a)

    def step_backward(self, dh, dc, cache):
        z, a = cache
        dz = self.activation.backward(z, a, dh)
        return dz, dz, 0, None


class SimpleRNN(RNN):
    """``h_t = f(x_t W + h_{t-1} U + b)`` over the steps of ``x (batch, T, features)``:
    ``RNN(SimpleRNNCell(units))``. Output ``h_T (batch, units)``, or ``(batch, T, units)``
    with ``return_sequences=True``. The loop over the steps, masks and backpropagation
    through time are in ``recurrent.RNN``.

    Example: one unit, ``W = [[1]]``, ``U = [[0.5]]``, ``b = 0``, ``f`` the identity
    (``activation=None``): ``x = [1, 2]`` gives ``h_1 = 1``, ``h_2 = 2 + 0.5 · 1 = 2.5``.
    """

    cell_class = SimpleRNNCell
    formula = SimpleRNNCell.formula
    backward_formula = SimpleRNNCell.backward_formula

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", **kwargs) -> None:
        cell_args, kwargs = self.split_arguments(kwargs)
        cell = SimpleRNNCell(units, activation, use_bias, kernel_initializer,
                             recurrent_initializer, bias_initializer, owner="SimpleRNN",
                             **cell_args)
        super().__init__(cell, **kwargs)
