"""``OpLambda``: one TensorFlow op applied to symbolic tensors, as a node of the graph.

``tf.reduce_sum(x1) * 0.1`` on a symbolic ``x1`` (from ``Input`` and layers) makes two
nodes, ``tf.math.reduce_sum`` and ``tf.math.multiply`` (Keras 2 names the layer it makes
``TFOpLambda`` and lists it in ``model.layers`` the same way). The layer's ``call`` runs
the op on the real tensors each forward pass, with the other arguments (``axis=1``, the
``0.1``) as they were given; the gradient comes from the tape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import backend
from ..graph import KerasTensor
from ..i18n import _
from .base import Layer


class _Slot:
    """Where the ``i``-th symbolic input goes in the op's arguments."""

    def __init__(self, i: int) -> None:
        self.i = i


def _template(value: Any, tensors: list[KerasTensor]) -> Any:
    """``value`` with each KerasTensor replaced by a ``_Slot`` (collected in ``tensors``)."""
    if type(value) is KerasTensor:
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if type(value) in (list, tuple):
        return type(value)(_template(v, tensors) for v in value)
    if type(value) is dict:
        return {k: _template(v, tensors) for k, v in value.items()}
    return value


def _fill(value: Any, inputs: list) -> Any:
    if type(value) is _Slot:
        return inputs[value.i]
    if type(value) in (list, tuple):
        return type(value)(_fill(v, inputs) for v in value)
    if type(value) is dict:
        return {k: _fill(v, inputs) for k, v in value.items()}
    return value


class OpLambda(Layer):
    """``y = op(*args, **kwargs)`` with the symbolic inputs filled in each call."""

    def __init__(self, op: Callable, args: tuple, kwargs: dict, name: str | None = None):
        self.op = op
        self.tensors: list[KerasTensor] = []
        self.template = _template((tuple(args), dict(kwargs)), self.tensors)
        where = op.__module__.rpartition(".")[2]
        prefix = {"math": "tf.math.", "nn": "tf.nn.", "linalg": "tf.linalg."}.get(where, "tf.")
        super().__init__(name=name or backend.unique_name(prefix + op.__name__))

    def call(self, inputs):
        inputs = inputs if len(self.tensors) > 1 else [inputs]
        args, kwargs = _fill(self.template, list(inputs))
        return self.op(*args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        raise TypeError(_("Layer {name!r} is the op {op} applied to a symbolic tensor; a "
                          "model file cannot store it yet. Save with model.save_weights, "
                          "or write the computation as a Layer subclass with call and "
                          "register it (keras.utils.register_keras_serializable).").format(
                              name=self.name, op=self.op.__name__))


def op_node(op: Callable, args: tuple, kwargs: dict):
    """The symbolic output(s) of ``op(*args, **kwargs)``: a new ``OpLambda`` node."""
    layer = OpLambda(op, args, kwargs)
    tensors = layer.tensors
    return layer(tensors if len(tensors) > 1 else tensors[0])
