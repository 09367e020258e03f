"""``RNN``: what ``SimpleRNN``, ``LSTM`` and ``GRU`` share — the loop over the time steps,
masks, ``go_backwards``, dropout, and backpropagation through time (BPTT).

A recurrent layer reads a sequence ``x`` of shape ``(batch, T, features)`` one step at a
time and carries a state ``h`` of shape ``(batch, units)`` (LSTM also a cell state ``c``)
from step to step, starting from zeros::

    zx_t = x_t W + b_x            every step at once: one product (batch·T, features) @ W
    zh_t = h_{t-1} U (+ b_h)      the recurrent part, one step at a time
    h_t, c_t = cell(zx_t, zh_t, h_{t-1}, c_{t-1})

``W`` (features, G·units) is Keras's ``kernel`` and ``U`` (units, G·units) its
``recurrent_kernel``; their columns are G blocks of ``units``, one per gate (SimpleRNN 1;
LSTM 4: i, f, c, o; GRU 3: z, r, h), in Keras's order, so Keras's weights load unchanged.
The output is ``h_T`` (the last step), or every ``h_t`` with ``return_sequences=True``.

Backward (BPTT) is the chain rule over the unrolled loop, from the last step to the first.
At step t the cell (``step_backward``) turns ``dL/dh_t`` (from the output at t plus what
step t+1 sent back) into ``dL/dzx_t``, ``dL/dzh_t`` and the direct part of ``dL/dh_{t-1}``;
the recurrent product adds ``dL/dh_{t-1} += dL/dzh_t Uᵀ``. After the loop each weight's
gradient is a sum over the steps, computed as one matrix product::

    dW = Σ_t x_tᵀ dzx_t     dU = Σ_t h_{t-1}ᵀ dzh_t     db_x = Σ_t dzx_t     dx_t = dzx_t Wᵀ

Masks (``Embedding(mask_zero=True)`` before the layer): at a masked step the states are
carried over, ``h_t = h_{t-1}``, as Keras does, so padding changes nothing; backward, the
gradient of such a step flows straight to ``h_{t-1}``. The output at a masked step is that
carried ``h_t``, or 0 with ``zero_output_for_mask`` (set by ``Bidirectional``).

``go_backwards=True`` reads the steps last to first; with ``return_sequences`` the outputs
stay in that reversed order, as in Keras. ``dropout`` drops input features and
``recurrent_dropout`` drops the entries of ``h_{t-1}`` that enter ``U`` during training, one
random mask per sequence for all its steps (Keras 3's ``DropoutRNNCell``).

Shapes of the sequence: ``Input(shape=(None, features))`` takes any number of steps (one
per batch).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import InputError
from ..graph import symbolic
from ..i18n import N_, _
from .base import Layer
from .rnn_cell import RecurrentCell

#: constructor arguments of LSTM, GRU, SimpleRNN that belong to their cell (Keras's split)
CELL_ARGUMENTS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                  "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                  "recurrent_dropout", "seed", "implementation")
#: attributes of an LSTM, GRU or SimpleRNN that are its cell's (``lstm.units``, as in Keras)
CELL_ATTRIBUTES = frozenset(("units", "activation", "recurrent_activation", "use_bias",
                             "kernel_initializer", "recurrent_initializer", "bias_initializer",
                             "unit_forget_bias", "reset_after", "dropout", "recurrent_dropout",
                             "seed", "state_size", "gates", "n_states"))


class RNN(Layer):
    """Runs a cell over the time steps: ``RNN(LSTMCell(8))`` is ``LSTM(8)``, and a list of
    cells, ``RNN([LSTMCell(8), GRUCell(4)])``, stacks them (``StackedRNNCells``: each step
    runs the cells in turn, the next one reading the previous one's ``h_t``).

    ``initial_state=`` (``layer(x, initial_state=[h0, c0])``) starts the loop from given
    states instead of zeros (a seq2seq decoder from the encoder's final states); their
    gradients flow back to whatever computed them. With a stack of cells the states are
    given and returned one cell after the other, flat (Keras nests them per cell).
    ``stateful=True`` starts each batch from the last batch's final states (the i-th
    sequence of a batch continues the i-th of the previous one) until ``reset_states()``.
    """

    handles_variable_length = True
    supports_masking = True
    cell_class: type | None = None  # LSTM: LSTMCell, the cell its own arguments make
    formula = N_("h_t = cell(x_t, h_{t-1}) at each step (stacked cells: each reads the h_t "
                 "of the one before)")
    backward_formula = N_("BPTT: last step first, dL/dh_t through the cell's step_backward "
                          "to dL/dh_{t-1}; dW = Σ_t x_tᵀ dzx_t")

    def __new__(cls, cell=None, *args, **kwargs):
        """``RNN(cell)`` with a cell of your own (a Layer with ``state_size``, not one of
        glassnet's cells) is a ``UserCellRNN``: the same loop, differentiated by the tape."""
        from .stacked_rnn_cells import StackedRNNCells

        if cls is RNN and isinstance(cell, Layer) and not isinstance(
                cell, (RecurrentCell, StackedRNNCells)):
            from .user_cell_rnn import UserCellRNN

            return UserCellRNN(cell, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, activity_regularizer=None,
                 **kwargs) -> None:
        from .stacked_rnn_cells import StackedRNNCells

        for keras_only in ("use_cudnn", "time_major"):
            kwargs.pop(keras_only, None)  # how Keras runs the loop: same results
        if isinstance(cell, dict):  # from a config: {"class_name": ..., "config": ...}
            from ..serialization import build_layer

            cell = build_layer(cell)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        cls = self.cell_class.__name__[:-4] if self.cell_class else type(self).__name__
        if not isinstance(cell, (RecurrentCell, StackedRNNCells)):
            raise NotImplementedError(_(
                "{cls}: glassnet runs its own cells (SimpleRNNCell, LSTMCell, GRUCell, or a "
                "list of them), or a Layer of your own with state_size; got "
                "{cell!r}.").format(
                cls=cls, cell=cell))
        if activity_regularizer is not None:
            raise NotImplementedError(_(
                "{cls}: glassnet's recurrent layers do not support {names} yet. Leave them "
                "out (a Dropout layer or dropout= regularizes instead).").format(
                cls=cls, names="activity_regularizer"))
        super().__init__(**kwargs)
        self.cell = cell
        self.cells: list[RecurrentCell] = list(getattr(cell, "cells", [cell]))
        if len(self.cells) == 1:  # its weights are the cell's: one dict, bound once
            self.params, self.grads = self.cells[0].params, self.cells[0].grads
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.mask_source: Layer | None = None  # whose output_mask masks the input steps
        self.states: list[np.ndarray] | None = None  # stateful: the last final states
        self.trainable = self.__dict__.get("_trainable", True)  # reaches the cells now

    def __getattr__(self, name: str):
        """``lstm.units``, ``lstm.dropout``... are its cell's settings, as in Keras."""
        cell = self.__dict__.get("cell")
        if cell is None or name not in CELL_ATTRIBUTES or not isinstance(cell, RecurrentCell):
            raise AttributeError(name)
        return getattr(cell, name)

    def frozen_with(self) -> list:
        return list(self.__dict__.get("cells", ()))  # (none yet while Layer.__init__ runs)

    @property
    def _rng(self):
        """The dropout masks' random generator (the first cell's)."""
        return self.cells[0]._rng

    @_rng.setter
    def _rng(self, value) -> None:
        for cell in self.cells:
            cell._rng = value

    @property
    def n_states(self) -> int:
        """How many state arrays the loop carries: ``h`` per cell, and ``c`` per LSTM cell."""
        return sum(cell.n_states for cell in self.cells)

    # -- building ---------------------------------------------------------------------
    def build(self, input_shape):
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        shape = tuple(shapes[0])
        if len(shape) != 2:
            raise InputError(_(
                "{cls} layer {name!r} reads sequences of shape (batch, steps, features), but "
                "its input has shape {shape}. For token ids put an Embedding layer before "
                "it; for one number per step add the feature axis, e.g. "
                "Reshape(({steps}, 1)) or x[..., None].").format(
                cls=type(self).__name__, name=self.name, shape=(None, *shape),
                steps=shape[0] if shape else "T"))
        self.check_state_shapes([tuple(s[-1:]) for s in shapes[1:]], None)
        features = shape[-1]
        for cell in self.cells:
            cell.ensure_built((features,))
            features = cell.units
        super().build(shape)

    def state_units(self) -> list[int]:
        """The size of each state array, in the order the loop carries them."""
        return [cell.units for cell in self.cells for _ in range(cell.n_states)]

    def check_state_shapes(self, shapes: list[tuple], batch: int | None) -> None:
        """Initial states: one ``(batch, units)`` array per state, named in the error."""
        if not shapes:
            return
        want = self.state_units()
        got = [tuple(s) for s in shapes]
        if len(got) != len(want) or any(s[-1] != u for s, u in zip(got, want)) or (
                batch is not None and any(s[0] != batch for s in got)):
            raise InputError(_(
                "{cls} layer {name!r} takes {n} initial state(s) of shapes {want} (batch, "
                "units), e.g. an LSTM's [h, c] from another LSTM(..., return_state=True) "
                "with the same units; got shapes {got}.").format(
                cls=type(self).__name__, name=self.name, n=len(want),
                want=[("batch", u) for u in want], got=got))

    def compute_output_shape(self, input_shape):
        shape = input_shape[0] if isinstance(input_shape, list) else input_shape
        units = self.cells[-1].units
        return (shape[0], units) if self.return_sequences else (units,)

    def output_shapes(self, input_shape) -> list[tuple]:
        """The output, then with ``return_state`` the final states ``h`` (and ``c``)."""
        shapes = super().output_shapes(input_shape)
        return shapes + [(u,) for u in self.state_units()] if self.return_state else shapes

    def connect_mask(self, inputs):
        """Use the input's mask (``Embedding(mask_zero=True)``); pass it on with the
        sequences (``return_sequences``)."""
        source = inputs[0].mask_source
        if self.inbound_nodes and source is not self.mask_source:
            raise NotImplementedError(_(
                "{cls} layer {name!r} is called on two inputs with different masks; glassnet "
                "masks a shared recurrent layer with one mask only. Use two layers.").format(
                cls=type(self).__name__, name=self.name))
        self.mask_source = source
        return source if self.return_sequences else None

    def __call__(self, inputs, initial_state=None, mask=None, training: bool | None = None,
                 **kwargs):
        """``layer(x)``, ``layer(x, initial_state=[h0, c0])`` (also positional, Keras's
        order: ``layer(x, [h0, c0])``; or Keras 2's ``layer([x, h0, c0])``). In a model the
        mask comes from the graph (``connect_mask``); called on arrays or tensors, it is the
        ``mask=`` given, as in Keras (``lstm(h, mask=embedding.compute_mask(tokens))``), or
        none."""
        if isinstance(initial_state, (bool, np.bool_)):  # layer(x, True): training, as
            initial_state, training = None, bool(initial_state)  # other layers take it
        if initial_state is not None:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
            inputs = [inputs, *states]
        if symbolic(inputs):
            return super().__call__(inputs, training, **kwargs)
        with given_mask([self], mask):
            return super().__call__(inputs, training, **kwargs)

    def get_initial_state(self, batch_size) -> list:
        """Zeros, one ``(batch, units)`` tensor per state: Keras 3 takes the batch size,
        Keras 2 the inputs (``gru.get_initial_state(x)``, TensorFlow's text generation
        tutorial)."""
        from ..tensor import Tensor

        if not isinstance(batch_size, (int, np.integer)):
            batch_size = int(np.shape(batch_size)[0])
        from .. import backend

        return [Tensor(np.zeros((int(batch_size), u), backend.floatx()))
                for u in self.state_units()]

    def reset_states(self, states=None) -> None:
        """``stateful=True``: start the next batch from zeros (or from ``states``)."""
        if states is None:
            self.states = None
        else:
            states = [np.asarray(s) for s in (states if isinstance(states, (list, tuple))
                                              else [states])]
            self.check_state_shapes([s.shape for s in states], None)
            self.states = [s.copy() for s in states]

    reset_state = reset_states  # Keras 3's name

    def call_state(self) -> dict[str, Any]:
        return {"self": dict(vars(self)), "cells": [dict(vars(c)) for c in self.cells]}

    def restore_call_state(self, state: dict[str, Any]) -> None:
        vars(self).update(state["self"])
        for cell, saved in zip(self.cells, state["cells"]):
            vars(cell).update(saved)

    def leaves(self) -> list[Layer]:
        """Its weights: its own (one cell's, the same arrays), or each stacked cell's."""
        return [self] if len(self.cells) == 1 else list(self.cells)

    # -- forward: the loop over time -----------------------------------------------------
    def forward(self, x, training=False):
        self.list_input = isinstance(x, list)
        x, *given = x if self.list_input else [x]
        B, T, _d = x.shape
        mask = None if self.mask_source is None else self.mask_source.output_mask
        if mask is not None and mask.shape != (B, T):
            raise InputError(_("{cls} layer {name!r}: the mask has shape {mask}, but the "
                               "sequences have shape {shape}.").format(
                cls=type(self).__name__, name=self.name, mask=mask.shape, shape=x.shape))
        states0 = [np.asarray(s, x.dtype) for s in given]
        self.check_state_shapes([s.shape for s in states0], B)
        if not states0 and self.stateful and self.states is not None:
            if self.states[0].shape[0] != B:
                raise InputError(_(
                    "{cls} layer {name!r} is stateful and holds the states of a batch of "
                    "{held} sequences, but this batch has {batch}. A stateful layer needs the "
                    "same batch size every time: fit(..., batch_size={held}, shuffle=False) "
                    "with a number of samples divisible by it, or call reset_states() "
                    "first.").format(cls=type(self).__name__, name=self.name,
                                     held=self.states[0].shape[0], batch=B))
            states0 = [s.astype(x.dtype, copy=False) for s in self.states]
        if self.go_backwards:
            x = x[:, ::-1]
            mask = None if mask is None else mask[:, ::-1]
        self.mask = mask
        finals, k = [], 0
        for cell in self.cells:
            n = cell.n_states
            x, final = forward_cell(cell, x, mask, states0[k:k + n] or None, training)
            finals += final
            k += n
        if self.stateful:
            self.states = [s.copy() for s in finals]
        Y = x
        if self.zero_output_for_mask and mask is not None:
            Y = Y * mask[:, :, None]
        y = Y if self.return_sequences else Y[:, -1]
        return [y, *finals] if self.return_state else y

    # -- backward: backpropagation through time ------------------------------------------
    def backward(self, dy):
        dfinals: list = [None] * self.n_states
        if self.return_state:
            dy, *dfinals = dy
        mask = self.mask
        last = self.cells[-1]
        B, T = last.H.shape[0], last.H.shape[1] - 1
        if not self.return_sequences:  # only the last step's output was used
            dY = np.zeros((B, T, last.units), dy.dtype)
            dY[:, -1] = dy
        else:
            dY = dy
        if self.zero_output_for_mask and mask is not None:
            dY = dY * mask[:, :, None]
        dstates0: list = []
        k = len(dfinals)
        for i in range(len(self.cells) - 1, -1, -1):
            cell = self.cells[i]
            k -= cell.n_states
            need_dx = i > 0 or self.need_input_grad
            dY, d0 = backward_cell(cell, dY, dfinals[k:k + cell.n_states], mask, need_dx)
            dstates0 = d0 + dstates0
        if not self.need_input_grad:
            return None
        dx = dY[:, ::-1] if self.go_backwards else dY
        return [dx, *dstates0] if self.list_input else dx

    # -- saving -----------------------------------------------------------------------
    @property
    def wrapped_layers(self) -> dict[str, Layer]:
        """``RNN(cell)``: the cell its config holds (Keras's ``cell``)."""
        return {} if self.cell_class is not None else {"cell": self.cell}

    def keras_weight_groups(self) -> list[tuple[str, Layer]]:
        """Where Keras 3 keeps this layer's weights in a ``.weights.h5``: in its cell
        (``cell/vars``), or in each stacked cell (``cell/cells/lstm_cell/vars``)."""
        if len(self.cells) == 1 and self.cell is self.cells[0]:
            return [("cell/vars", self)]
        return [(f"cell/{path}", cell) for path, cell in self.cell.keras_weight_groups()]

    def get_config(self):
        from ..serialization import layer_entry

        config = {**super().get_config(), "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards,
                  "stateful": self.stateful, "unroll": self.unroll,
                  "zero_output_for_mask": self.zero_output_for_mask}
        if self.cell_class is None:
            config["cell"] = layer_entry(self.cell)
        else:  # LSTM(...): its cell's settings are its own
            config.update({k: v for k, v in self.cell.get_config().items()
                           if k not in ("name", "trainable", "input_shape")})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict | None = None):
        from ..serialization import build_layer

        config = dict(config)
        if isinstance(config.get("cell"), dict):
            config["cell"] = build_layer(config["cell"], custom_objects)
        return cls(**config)

    @classmethod
    def split_arguments(cls, kwargs: dict) -> tuple[dict, dict]:
        """``LSTM(8, dropout=0.2, return_sequences=True)``: the cell's arguments and the
        layer's."""
        cell = {k: kwargs.pop(k) for k in CELL_ARGUMENTS if k in kwargs}
        return cell, kwargs


# -- one cell over the steps: the loop and BPTT (RNN runs them per cell) ------------------
def forward_cell(cell: RecurrentCell, x, mask, states0, training: bool):
    """One cell over every step of ``x (B, T, d)``: its outputs ``(B, T, units)`` and its
    final states. What backward needs is kept on the cell."""
    B, T, d = x.shape
    u, dtype = cell.units, x.dtype
    cell.x_keep = cell.dropout_mask((B, d), cell.dropout, dtype) if training else None
    cell.h_keep = cell.dropout_mask((B, u), cell.recurrent_dropout, dtype) \
        if training else None
    if cell.x_keep is not None:
        x = x * cell.x_keep[:, None, :]
    cell.x = x
    W, U = cell.params["kernel"], cell.params["recurrent_kernel"][:, :cell.loop_columns]
    b = cell.params.get("bias")
    b_x, b_h = (b[0], b[1]) if b is not None and cell.separate_recurrent_bias else (b, None)
    zx = (x.reshape(B * T, d) @ W).reshape(B, T, -1)  # the input part of every step
    if b_x is not None:
        zx += b_x
    H = np.zeros((B, T + 1, u), dtype)  # H[:, t + 1] = h_t; H[:, 0] = h_0 (zeros)
    C = np.zeros((B, T + 1, u), dtype) if cell.n_states == 2 else None
    if states0 is not None:
        H[:, 0] = states0[0]
        if C is not None:
            C[:, 0] = states0[1]
    cell.caches = []
    for t in range(T):
        h_prev = H[:, t]
        c_prev = None if C is None else C[:, t]
        zh = (h_prev if cell.h_keep is None else h_prev * cell.h_keep) @ U
        if b_h is not None:
            zh += b_h
        h, c, cache = cell.step(zx[:, t], zh, h_prev, c_prev)
        if mask is not None:  # a masked step carries the states over
            m = mask[:, t, None]
            h = np.where(m, h, h_prev)
            c = None if c is None else np.where(m, c, c_prev)
        H[:, t + 1] = h
        if C is not None:
            C[:, t + 1] = c
        cell.caches.append(cache)
    cell.H, cell.C = H, C
    return H[:, 1:], [H[:, -1]] + ([] if C is None else [C[:, -1]])


def backward_cell(cell: RecurrentCell, dY, dfinal, mask, need_dx: bool):
    """BPTT through one cell: fills its weight gradients; returns ``dL/dx`` (None
    unless ``need_dx``) and ``dL/d(initial states)``."""
    x, H = cell.x, cell.H
    B, T, d = x.shape
    U = cell.params["recurrent_kernel"][:, :cell.loop_columns]
    dh = np.zeros((B, cell.units), dY.dtype) if dfinal[0] is None else dfinal[0].copy()
    dc = None
    if cell.n_states == 2:
        dc = np.zeros_like(dh) if dfinal[1] is None else dfinal[1].copy()
    dzx = np.empty((B, T, cell.gates * cell.units), dY.dtype)
    dzh = np.empty((B, T, U.shape[1]), dY.dtype) \
        if cell.separate_recurrent_bias or U.shape[1] != dzx.shape[2] else dzx
    for t in range(T - 1, -1, -1):
        dh = dh + dY[:, t]  # dL/dh_t: this step's output and step t+1
        carry_h = carry_c = None
        if mask is not None:  # a masked step passed h_{t-1} (and c) through
            m = mask[:, t, None]
            carry_h, dh = np.where(m, 0, dh), np.where(m, dh, 0)
            if dc is not None:
                carry_c, dc = np.where(m, 0, dc), np.where(m, dc, 0)
        dzx_t, dzh_t, dh_prev, dc_prev = cell.step_backward(dh, dc, cell.caches[t])
        dzx[:, t] = dzx_t
        if dzh is not dzx:
            dzh[:, t] = dzh_t
        dh_rec = dzh_t @ U.T
        if cell.h_keep is not None:
            dh_rec *= cell.h_keep
        dh = dh_prev + dh_rec if carry_h is None else dh_prev + dh_rec + carry_h
        dc = dc_prev if carry_c is None else dc_prev + carry_c
    h_in = H[:, :-1] if cell.h_keep is None else H[:, :-1] * cell.h_keep[:, None, :]
    G, g = dzx.shape[2], U.shape[1]
    cell.grads["kernel"][...] = x.reshape(B * T, d).T @ dzx.reshape(B * T, G)
    cell.grads["recurrent_kernel"][:, :g] = \
        h_in.reshape(B * T, cell.units).T @ dzh.reshape(B * T, g)
    if cell.use_bias:
        if cell.separate_recurrent_bias:
            cell.grads["bias"][0] = dzx.sum(axis=(0, 1))
            cell.grads["bias"][1] = dzh.sum(axis=(0, 1))
        else:
            cell.grads["bias"][...] = dzx.sum(axis=(0, 1))
    cell.finish_backward()
    d0 = [dh] + ([] if dc is None else [dc])
    if not need_dx:
        return None, d0
    dx = (dzx.reshape(B * T, G) @ cell.params["kernel"].T).reshape(B, T, d)
    if cell.x_keep is not None:
        dx *= cell.x_keep[:, None, :]
    return dx, d0


class GivenMask:
    """A mask passed as ``layer(x, mask=m)``: ``(batch, T)``, True where a step counts."""

    def __init__(self, mask) -> None:
        self.output_mask = np.asarray(mask, bool)


@contextmanager
def given_mask(layers: list[RNN], mask):
    """For one eager call: ``layers`` read ``mask`` (None: no mask) instead of the graph's."""
    saved = [layer.mask_source for layer in layers]
    for layer in layers:
        layer.mask_source = None if mask is None else GivenMask(mask)
    try:
        yield
    finally:
        for layer, source in zip(layers, saved):
            layer.mask_source = source
