"""``RNN(cell)`` with a cell of your own: a layer whose ``call(inputs, states)`` returns
``(output, new_states)`` and whose ``state_size`` says the size of each state (Keras's
cell protocol; Géron's ``LNSimpleRNNCell``, keras.io's ``NestedCell``).

The loop is the definition of a recurrent layer, written with glassnet ops::

    s_0 = zeros (or initial_state)
    y_t, s_t = cell(x_t, s_{t-1})      t = 1 … T
    output = y_T, or [y_1 … y_T] with return_sequences

Each step is recorded on the tape like any other layer call, so the gradient (BPTT) is
the chain rule through the unrolled steps, which the tape applies from the last step to
the first. The built-in cells (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``) run in
``recurrent.RNN`` instead, with a hand-written backward that is much faster.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..i18n import _
from ..tape import flatten, map_structure
from .base import Layer


def _sizes(state_size) -> list[tuple[int, ...]]:
    """``state_size`` (an int, a shape, or a list of them) as a list of shapes."""
    if isinstance(state_size, (int, np.integer)):
        return [(int(state_size),)]
    items = list(state_size)
    if items and all(isinstance(d, (int, np.integer)) for d in items) and \
            hasattr(state_size, "as_list"):  # one TensorShape
        return [tuple(int(d) for d in items)]
    return [(int(s),) if isinstance(s, (int, np.integer)) else tuple(int(d) for d in s)
            for s in items]


class UserCellRNN(Layer):
    """The loop of ``RNN(cell)`` for a cell of your own (see the module's docstring)."""

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs) -> None:
        if stateful:
            raise NotImplementedError(_(
                "RNN(stateful=True) with a cell of your own is not supported yet; give "
                "initial_state= instead."))
        for keras_only in ("use_cudnn", "time_major", "zero_output_for_mask"):
            kwargs.pop(keras_only, None)
        super().__init__(**kwargs)
        if not hasattr(cell, "state_size"):
            raise TypeError(_("RNN: the cell {cell!r} has no state_size. A cell says the "
                              "size of its states, e.g. self.state_size = units in its "
                              "__init__.").format(cell=cell))
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)

    def call(self, inputs, initial_state=None, training=None):
        steps = flatten(inputs)[0].shape[1]
        if initial_state is None:
            batch = flatten(inputs)[0].shape[0]
            states = [ops.zeros((batch, *size)) for size in _sizes(self.cell.state_size)]
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
                else [initial_state]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        for t in order:
            x_t = map_structure(lambda x, t=t: x[:, t], inputs)
            y, new_states = self.cell(x_t, states, training=bool(training))
            states = list(new_states) if isinstance(new_states, (list, tuple)) \
                else [new_states]
            outputs.append(y)
        y = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [y, *states] if self.return_state else y
