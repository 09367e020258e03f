"""The loss and metrics of an output with a time axis, ``(batch, T, k)``, as Keras takes
them: one loss per step, averaged over the steps that count.

Each step is a row: ``ŷ (batch, T, k)`` becomes ``(batch·T, k)``, its labels ``(batch, T)``
(sparse) or ``(batch, T, k)`` become ``(batch·T,)`` or ``(batch·T, k)``, and the loss is the
mean over the rows, as Keras's ``sum_over_batch_size`` divides by ``batch·T``::

    L = (1 / |S|) Σ_{(n, t) ∈ S} ℓ(y[n, t], ŷ[n, t])       dL/dŷ[n, t] = 0 for (n, t) ∉ S

where ``S`` is every step, or with a mask (``Embedding(mask_zero=True)`` before an
``LSTM(return_sequences=True)``, passed on to the output) only the unmasked steps:
padding adds nothing to the loss, its gradient or the metrics. A sample weight weighs every
step of its sample; ``sample_weight`` of shape ``(batch, T)`` gives each step its own
(``L = Σ_S w ℓ / |S|``, as Keras). Plain 2-D outputs never come here (``model._Output``),
so the tutorial's network does no per-step work.
"""

from __future__ import annotations

import numpy as np

from .model import _Output


class StepOutput(_Output):
    """``model._Output`` for an output of shape ``(batch, T, ..., k)``."""

    per_step = True

    def __init__(self, name, tensor, loss, weight, metrics, graph) -> None:
        super().__init__(name, tensor, loss, weight, metrics, graph)
        self.mask_source = tensor.mask_source  # whose output_mask masks its steps, or None
        self.kept: np.ndarray | None = None  # the rows of the batch at hand that count

    def rows(self, y, a):
        """``y`` and ``ŷ`` as one row per step, only the steps that count (``self.kept``)."""
        a2 = a.reshape(-1, a.shape[-1])
        y = np.asarray(y)
        y2 = y.reshape(-1) if getattr(self.loss, "sparse", False) or y.size == len(a2) \
            else y.reshape(len(a2), -1)
        mask = None if self.mask_source is None else self.mask_source.output_mask
        self.kept = None if mask is None else np.flatnonzero(np.asarray(mask).reshape(-1))
        if self.kept is not None:
            a2, y2 = a2[self.kept], y2[self.kept]
        return y2, a2

    def logits(self) -> np.ndarray:
        z = self.layer.z.reshape(-1, self.layer.z.shape[-1])
        return z if self.kept is None else z[self.kept]

    def takes_whole(self, fn) -> bool:
        """Whether the loss or metric ``fn`` is a function of yours that Keras would call on
        the whole ``(batch, T, k)`` output (TensorFlow's Transformer tutorial masks its
        padding itself with ``tf.argmax(pred, axis=2)``): it gets the output as it is,
        unless a mask or sample weights say which rows count."""
        own = getattr(fn, "fn", None)
        return own is not None and not getattr(own, "__module__", "glassnet").startswith(
            "glassnet") and self.mask_source is None

    def loss_and_gradient(self, y, a, sample_weight=None):
        if sample_weight is None and self.takes_whole(self.loss):
            return super().loss_and_gradient(y, a)
        y2, a2 = self.rows(y, a)
        if sample_weight is not None:  # each step weighs as its sample, or has its own
            w = np.asarray(sample_weight)
            w = w.reshape(-1) if w.ndim == 2 else np.repeat(w, int(np.prod(a.shape[1:-1])))
            sample_weight = w if self.kept is None else w[self.kept]
        if len(a2) == 0:  # every step masked: nothing to learn from this batch
            return 0.0, np.zeros_like(a)
        value, d2 = super().loss_and_gradient(y2, a2, sample_weight)
        if self.kept is None:
            return value, d2.reshape(a.shape)
        d = np.zeros((int(np.prod(a.shape[:-1])), a.shape[-1]), d2.dtype)
        d[self.kept] = d2
        return value, d.reshape(a.shape)

    def value(self, y, a) -> float:
        if self.takes_whole(self.loss):
            return super().value(y, a)
        y2, a2 = self.rows(y, a)
        return 0.0 if len(a2) == 0 else super().value(y2, a2)

    def metric_rows(self, y, a):
        """What the metrics compare: the same rows (Keras passes the mask as their sample
        weight, which comes to the same)."""
        y2, a2 = self.rows(y, a)
        return (y2[:, None] if y2.ndim == 1 and not getattr(self.loss, "sparse", False)
                else y2), a2
