"""``AddLoss`` and ``AddMetric``: the nodes of ``model.add_loss(t)`` and
``model.add_metric(t)`` on a symbolic tensor ``t`` of a functional model.

    x1 = layers.Dense(64, activation="relu")(inputs)
    model = keras.Model(inputs, outputs)
    model.add_loss(tf.reduce_sum(x1) * 0.1)      # L = L_compiled + Σ t
    model.add_metric(keras.backend.std(x1), name="std_of_activation")

Keras 2 inserts such layers into the graph (they show in ``model.layers``); their values
are computed with every forward pass. ``AddLoss`` adds ``Σ t`` to the loss that training
minimises (``dL/dt = 1``, the gradient flows back into the layers that made ``t``);
``AddMetric`` reports the mean of ``t`` over the epoch's batches under its name.
"""

from __future__ import annotations

from typing import Any

from ..graph import Graph, KerasTensor, flatten
from ..i18n import _
from ..ops.math import reduce_mean, reduce_sum
from .base import Layer


class AddLoss(Layer):
    """``call(t)``: ``add_loss(Σ t)``; returns ``t`` unchanged."""

    def call(self, inputs):
        self.add_loss(reduce_sum(inputs))
        return inputs


class AddMetric(Layer):
    """``call(t)``: ``add_metric(mean(t), name)``; returns ``t`` unchanged."""

    def __init__(self, metric_name: str = "metric", **kwargs) -> None:
        super().__init__(**kwargs)
        self.metric_name = metric_name

    def call(self, inputs):
        vars(self).setdefault("_call_metrics", []).append(
            (self.metric_name, reduce_mean(inputs)))
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "metric_name": self.metric_name}


def add_symbolic(model, value, kind: str, name: str | None = None,
                 aggregation=None) -> bool:
    """Put ``AddLoss`` (``kind="loss"``) or ``AddMetric`` nodes reading ``value`` (a
    symbolic tensor, or a list of them) into ``model``'s graph. False when ``value`` holds
    no symbolic tensor (a subclassed model's ``call`` adds real values)."""
    tensors = flatten(value)
    if not any(isinstance(t, KerasTensor) for t in tensors):
        return False
    if not all(isinstance(t, KerasTensor) for t in tensors):
        raise TypeError(_("model.add_{kind} got a mix of symbolic tensors and {types}: pass "
                          "tensors computed from the model's inputs.").format(
                              kind=kind, types=sorted({type(t).__name__ for t in tensors})))
    if aggregation not in (None, "mean"):
        raise NotImplementedError(_("add_metric(aggregation={aggregation!r}): glassnet "
                                    "reports the mean only.").format(aggregation=aggregation))
    graph = model.graph
    ends = [AddLoss()(t) if kind == "loss" else AddMetric(metric_name=name or "metric")(t)
            for t in tensors]
    model.set_graph(Graph(graph.inputs, graph.outputs, [*graph.hidden, *ends]))
    return True


def model_may_add_losses(model) -> bool:
    """Whether some leaf of ``model`` is a layer with ``call`` (which may ``add_loss``)."""
    graph = model.graph_or_none
    leaves = model.leaves() if graph is not None or model.tracks_sublayers else []
    return model.tracks_sublayers or any(leaf.uses_call for leaf in leaves)
