"""``StackedRNNCells``: several recurrent cells run as one, each step through all of them."""

from __future__ import annotations

from typing import Any

from ..i18n import _
from .base import Layer
from .rnn_cell import RecurrentCell


class StackedRNNCells(Layer):
    """Keras's ``StackedRNNCells(cells)``; ``RNN([c1, c2])`` makes one. At each step::

        h¹_t = cell₁(x_t, h¹_{t-1})     h²_t = cell₂(h¹_t, h²_{t-1})     ...    output h^n_t

    which is the same computation as stacking ``RNN(c1, return_sequences=True)`` and
    ``RNN(c2)``, and that is how ``recurrent.RNN`` runs it: cell after cell, each over all
    the steps (one mask for all). Its weights are the cells', in order.
    """

    def __init__(self, cells: list, **kwargs) -> None:
        super().__init__(**kwargs)
        from ..serialization import build_layer

        cells = [build_layer(c) if isinstance(c, dict) else c for c in cells]
        if not cells or not all(isinstance(c, RecurrentCell) for c in cells):
            raise NotImplementedError(_(
                "StackedRNNCells takes a list of glassnet's cells (SimpleRNNCell, LSTMCell, "
                "GRUCell), got {cells!r}.").format(cells=cells))
        self.cells = list(cells)

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return self.cells[-1].units

    @property
    def wrapped_layers(self) -> dict[str, list]:
        """The cells its config holds (Keras's ``cells``)."""
        return {"cells": self.cells}

    def keras_weight_groups(self) -> list[tuple[str, Layer]]:
        """Keras 3's ``.weights.h5`` layout: ``cells/<cell class>[_n]/vars``."""
        from ..backend import snake_case

        used: dict[str, int] = {}
        out = []
        for cell in self.cells:
            key = snake_case(type(cell).__name__)
            used[key] = used.get(key, -1) + 1
            out.append((f"cells/{key}" + (f"_{used[key]}" if used[key] else "") + "/vars",
                        cell))
        return out

    def get_config(self) -> dict[str, Any]:
        from ..serialization import layer_entry

        return {**super().get_config(), "cells": [layer_entry(c) for c in self.cells]}
