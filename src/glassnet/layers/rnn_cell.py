"""``RecurrentCell``: one step of a recurrent layer (Keras's ``SimpleRNNCell``, ``LSTMCell``,
``GRUCell`` derive from it), its weights and its dropout settings.

A cell holds ``W`` (Keras's ``kernel``, ``(features, G·units)``), ``U``
(``recurrent_kernel``, ``(units, G·units)``) and ``b`` (``bias``), G blocks of ``units``
columns, one per gate, and computes one step::

    h_t, c_t = step(zx_t, zh_t, h_{t-1}, c_{t-1})     zx_t = x_t W + b_x, zh_t = h_{t-1} U

The loop over the time steps, masks and backpropagation through time are in
``recurrent.RNN``, which runs any of these cells: ``LSTM(8)`` is ``RNN(LSTMCell(8))``, and
``RNN([LSTMCell(8), GRUCell(4)])`` stacks cells (``StackedRNNCells``).
"""

from __future__ import annotations

import numpy as np

from .. import activations, initializers
from .. import random as grandom
from ..graph import symbolic
from ..i18n import _
from .base import Layer


class RecurrentCell(Layer):
    """What the built-in cells share: weights, validation, dropout masks and config.

    Subclasses set ``gates`` (blocks of ``units`` in ``W`` and ``U``), ``n_states`` (1, or
    2 for LSTM's ``h`` and ``c``) and define ``step`` and ``step_backward``.
    """

    gates = 1
    n_states = 1  # h; LSTM: h and c
    separate_recurrent_bias = False  # GRU(reset_after=True): b_h beside b_x

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed: int | None = None, **kwargs) -> None:
        owner = kwargs.pop("owner", None) or type(self).__name__  # LSTM for an LSTM's cell
        kwargs.pop("implementation", None)  # how Keras runs the step: same results
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(_("{cls} units must be a positive integer, got {value!r}.").format(
                cls=owner, value=units))
        given = {"kernel_regularizer": kernel_regularizer,
                 "recurrent_regularizer": recurrent_regularizer,
                 "bias_regularizer": bias_regularizer,
                 "kernel_constraint": kernel_constraint,
                 "recurrent_constraint": recurrent_constraint, "bias_constraint": bias_constraint}
        unsupported = sorted(k for k, v in given.items() if v is not None)
        if unsupported:
            raise NotImplementedError(_(
                "{cls}: glassnet's recurrent layers do not support {names} yet. Leave them "
                "out (a Dropout layer or dropout= regularizes instead).").format(
                cls=owner, names=", ".join(unsupported)))
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= float(rate) < 1:
                raise ValueError(_("{cls} {name} must be in [0, 1), got {value!r}.").format(
                    cls=owner, name=name, value=rate))
        for init in (kernel_initializer, recurrent_initializer, bias_initializer):
            initializers.get(init)  # an unknown name fails here, not at build
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer
        self.bias_initializer = bias_initializer
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    @property
    def state_size(self) -> int | list[int]:
        """Keras's ``state_size``: ``units``, or ``[units, units]`` for LSTM's ``h, c``."""
        return self.units if self.n_states == 1 else [self.units] * self.n_states

    @property
    def output_size(self) -> int:
        return self.units

    @property
    def loop_columns(self) -> int:
        """How many columns of ``U`` the loop multiplies ``h_{t-1}`` by (all of them,
        except in ``GRU(reset_after=False)``)."""
        return self.gates * self.units

    def build(self, input_shape):
        """Weights for steps of ``input_shape[-1]`` features (called as ``cell(x_t,
        states)``: the shapes of ``[x_t, *states]``, the first one's)."""
        if isinstance(input_shape, list):
            input_shape = input_shape[0]
        G, u = self.gates, self.units
        self.add_weight("kernel", (input_shape[-1], G * u), self.kernel_initializer)
        self.add_weight("recurrent_kernel", (u, G * u), self.recurrent_initializer)
        if self.use_bias:
            shape = (2, G * u) if self.separate_recurrent_bias else (G * u,)
            self.add_weight("bias", shape, self.bias_initializer)
        super().build(tuple(input_shape))

    def compute_output_shape(self, input_shape):
        return (self.units,)

    # -- one step (subclasses) ----------------------------------------------------------
    def step(self, zx, zh, h, c):
        """One step: ``(h_t, c_t, cache)`` from ``zx_t``, ``zh_t`` and the states."""
        raise NotImplementedError

    def step_backward(self, dh, dc, cache):
        """``(dzx_t, dzh_t, dh_{t-1} direct part, dc_{t-1})`` from ``dh_t``, ``dc_t``."""
        raise NotImplementedError

    def finish_backward(self) -> None:
        """Called once after the loop's weight gradients: a cell whose step uses ``U``
        beyond ``loop_columns`` adds that part of ``dU`` here."""

    # -- called on its own: one step, cell(x_t, states) ----------------------------------
    def __call__(self, inputs, states=None, training: bool | None = None, **kwargs):
        """Keras's ``output, new_states = cell(x_t, states)``: one step on ``x_t (batch,
        features)`` from ``states`` (``[h, c]`` for LSTMCell, ``h`` or ``[h]`` otherwise),
        as a loop written by hand runs it (TensorFlow 2 handbooks' character model); on a
        ``GradientTape`` the step's gradients reach ``x_t``, the states and the weights.
        ``new_states`` is a list when ``states`` was (LSTMCell: always ``[h, c]``)."""
        if states is None or symbolic(inputs) or symbolic(states):
            raise NotImplementedError(_(
                "{cls} is one step of a recurrent layer: run it over sequences with "
                "keras.layers.RNN({cls}(...)), e.g. RNN(LSTMCell(32)) is LSTM(32); or call "
                "it on one step of arrays or tensors with its states, "
                "output, states = cell(x_t, states).").format(cls=type(self).__name__))
        nested = isinstance(states, (list, tuple))
        out = super().__call__([inputs, *(states if nested else [states])], training,
                               **kwargs)
        y, *new = out
        return y, new if nested or self.n_states > 1 else new[0]

    def get_initial_state(self, batch_size=None, inputs=None, dtype=None) -> list:
        """Zeros, ``[h]`` (LSTMCell: ``[h, c]``), each ``(batch_size, units)``; Keras 2
        also took ``inputs`` to read the batch size from."""
        from .. import backend
        from ..tensor import Tensor

        if batch_size is None:
            batch_size = np.shape(inputs)[0]
        return [Tensor(np.zeros((int(batch_size), self.units), dtype or backend.floatx()))
                for _ in range(self.n_states)]

    def forward(self, x, training=False):
        """``[x_t, *states]`` -> ``[h_t, *new states]``: the loop of ``recurrent.RNN`` over
        one step."""
        from .recurrent import forward_cell

        x_t, *states = x
        # batch sizes broadcast, as the step's matrix products do in Keras (one sequence
        # against states kept for a batch of them)
        self.given_batches = [len(a) for a in x]
        B = max(self.given_batches)
        x_t = np.broadcast_to(x_t, (B, *x_t.shape[1:]))
        states = [np.broadcast_to(s, (B, *s.shape[1:])) for s in states]
        Y, finals = forward_cell(self, x_t[:, None, :], None, states, training)
        return [Y[:, 0], *finals]

    def backward(self, dy):
        from .recurrent import backward_cell

        d_out, *d_states = dy
        dx, d0 = backward_cell(self, d_out[:, None, :], d_states, None, True)
        if not self.need_input_grad:
            return None
        return [g.sum(axis=0, keepdims=True) if n == 1 < len(g) else g  # undo the broadcast
                for g, n in zip([dx[:, 0], *d0], self.given_batches)]

    # -- dropout ------------------------------------------------------------------------
    def dropout_mask(self, shape, rate: float, dtype) -> np.ndarray | None:
        """``keep / (1 - rate)`` with ``keep ~ Bernoulli(1 - rate)``: inverted dropout, one
        mask per sequence for all its steps (Keras 3's ``DropoutRNNCell``)."""
        if rate == 0:
            return None
        rng = self._rng or grandom.rng()
        keep = rng.random(shape, dtype=np.float32) >= rate
        return keep.astype(dtype) * dtype.type(1 / (1 - rate))

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed}
