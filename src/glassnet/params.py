"""The flat parameter vector ``θ``: every weight of a model in one float32 array.

Each layer keeps its weights in ``layer.params`` (and BatchNormalization's statistics
in ``layer.state``). ``bind`` moves them all into one vector ``θ`` and their gradients
into one vector ``g`` of the same length, and leaves each layer with *views* into
them: ``Dense.backward`` writes ``dW`` in place, and the optimizer then updates the
whole network with a few whole-array operations, ``θ ← θ - η·g`` for SGD::

    θ = [ W₁ (784·128) | b₁ (128) | W₂ (128·10) | b₂ (10) | frozen ... | statistics ... ]
          └──────────── trainable: θ[:n_trainable] ─────────┘

Trainable weights come first, so the optimizer sees ``θ[:n_trainable]``; weights of
frozen layers (``trainable = False``) and non-trainable state follow. Fault handling
(``faults.py``), saving and ``inspect`` use this object rather than layers' internals.
"""

from __future__ import annotations

import numpy as np

from . import backend


class ParameterVector:
    """``theta`` (θ), ``grad`` (g) and ``n_trainable``, bound to a list of layers."""

    def __init__(self) -> None:
        self.theta = np.empty(0, backend.floatx())
        self.grad = np.empty(0, backend.floatx())
        self.n_trainable = 0
        #: ``θ[:n_trainable]`` and ``g[:n_trainable]``: what the optimizer updates
        self.trainable, self.trainable_grad = self.theta, self.grad
        self._views: list[tuple[dict, str, np.ndarray]] = []
        self.trainable_slices: list[slice] = []
        self.trainable_weights: dict = {}
        self._trainable: list[bool] = []

    def bind(self, layers: list) -> None:
        """Copy the weights of ``layers`` into a new ``θ`` and point the layers at it."""
        entries = [(layer.params, k) for layer in layers if layer.trainable
                   for k in layer.params]
        n_trainable = sum(d[k].size for d, k in entries)
        entries += [(layer.params, k) for layer in layers if not layer.trainable
                    for k in layer.params]
        entries += [(layer.state, k) for layer in layers for k in layer.state]
        grads = {id(layer.params): layer.grads for layer in layers}
        size = sum(d[k].size for d, k in entries)
        theta = np.empty(size, backend.floatx())
        grad = np.zeros(size, backend.floatx())
        offset, views = 0, []
        for d, k in entries:
            shape, n = d[k].shape, d[k].size
            view = theta[offset:offset + n].reshape(shape)
            view[...] = d[k]
            d[k] = view
            if id(d) in grads:  # params (trainable or frozen) have a gradient buffer
                grads[id(d)][k] = grad[offset:offset + n].reshape(shape)
            views.append((d, k, view))
            offset += n
        self.theta, self.grad, self.n_trainable = theta, grad, n_trainable
        self.trainable, self.trainable_grad = theta[:n_trainable], grad[:n_trainable]
        starts = np.cumsum([0] + [d[k].size for d, k in entries])
        #: one slice of θ per trainable array (per-variable gradient clipping needs them)
        self.trainable_slices = [slice(int(a), int(b)) for a, b in zip(starts, starts[1:])
                                 if b <= n_trainable]
        owners = {id(layer.params): layer for layer in layers}
        #: (layer, weight name) -> its slice of θ[:n_trainable], for the optimizer's state
        self.trainable_weights = {(owners[id(d)], k): sl
                                  for (d, k), sl in zip(entries, self.trainable_slices)}
        self._views = views
        self._trainable = [layer.trainable for layer in layers]
        self._layers = list(layers)

    def holds(self, layers: list) -> bool:
        """Whether ``θ`` is still what ``layers`` use (same layers, same trainable flags,
        every weight still a view into ``θ``)."""
        if len(layers) != len(self._trainable) or any(
                a is not b for a, b in zip(layers, self._layers)):
            return False
        if self._trainable != [layer.trainable for layer in layers]:
            return False
        count = sum(len(layer.params) + len(layer.state) for layer in layers)
        return count == len(self._views) and all(d.get(k) is v for d, k, v in self._views)

    def restore(self, copy: np.ndarray) -> None:
        """Write a copy of ``θ`` back into it (so every layer sees it at once)."""
        self.theta[...] = copy
