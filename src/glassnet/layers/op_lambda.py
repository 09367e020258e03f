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

import numpy as np

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


#: the modules whose ops a model file may name (``"math.reduce_sum"``)
_OP_MODULES = ("array", "math", "nn", "linalg", "backend_ops", "ops")


def _op_path(op: Callable) -> str:
    module = op.__module__.rpartition(".")[2]
    return f"{'ops' if module == 'ops' else module}.{op.__name__}"


def _resolve(path: str) -> Callable:
    """The op a model file names, looked up among glassnet's op modules only."""
    import importlib

    module, _dot, name = str(path).rpartition(".")
    if module not in _OP_MODULES or name.startswith("_"):
        raise ValueError(_("A model file names the op {path!r}, which is not one of "
                           "glassnet's ops.").format(path=path))
    where = {"backend_ops": "..backend_ops", "ops": "..ops"}.get(module, f"..ops.{module}")
    op = getattr(importlib.import_module(where, __package__), name, None)
    if not callable(op):
        raise ValueError(_("A model file names the op {path!r}, which is not one of "
                           "glassnet's ops.").format(path=path))
    return op


def _to_json(value: Any) -> Any:
    """The template as JSON values (a slot is ``{"__input__": i}``); None if it holds
    something else (an array, a dtype, a function)."""
    if type(value) is _Slot:
        return {"__input__": value.i}
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if type(value) in (list, tuple):
        items = [_to_json(v) for v in value]
        if any(i is _UNSAVABLE for i in items):
            return _UNSAVABLE
        return {"__tuple__": items} if type(value) is tuple else items
    if type(value) is dict and all(isinstance(k, str) for k in value):
        items = {k: _to_json(v) for k, v in value.items()}
        return _UNSAVABLE if any(i is _UNSAVABLE for i in items.values()) else items
    return _UNSAVABLE


_UNSAVABLE = object()


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__input__"}:
            return _Slot(int(value["__input__"]))
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


class OpLambda(Layer):
    """``y = op(*args, **kwargs)`` with the symbolic inputs filled in each call.

    A model file stores the op by its name (``"math.reduce_sum"``, one of glassnet's op
    modules) and the other arguments as JSON values; ops given arrays or dtypes are not
    stored (``get_config`` says so)."""

    def __init__(self, op: Callable | str, args: tuple = (), kwargs: dict | None = None,
                 name: str | None = None, template=None, n_inputs: int | None = None,
                 trainable: bool = True):
        self.op = _resolve(op) if isinstance(op, str) else op
        self.tensors: list[KerasTensor] = []
        if template is not None:  # from a model file
            self.template = _from_json(template)
            self.n_inputs = int(n_inputs)
        else:
            self.template = _template((tuple(args), dict(kwargs or {})), self.tensors)
            self.n_inputs = len(self.tensors)
        where = self.op.__module__.rpartition(".")[2]
        prefix = {"math": "tf.math.", "nn": "tf.nn.", "linalg": "tf.linalg."}.get(where, "tf.")
        super().__init__(name=name or backend.unique_name(prefix + self.op.__name__),
                         trainable=trainable)

    def call(self, inputs):
        inputs = inputs if self.n_inputs > 1 else [inputs]
        args, kwargs = _fill(self.template, list(inputs))
        return self.op(*args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        template = _to_json(self.template)
        if template is _UNSAVABLE:
            raise TypeError(_("Layer {name!r} is the op {op} applied to a symbolic tensor "
                              "with an argument that a model file cannot store (an array, a "
                              "dtype or a function). Save with model.save_weights, or write "
                              "the computation as a Layer subclass with call and register it "
                              "(keras.utils.register_keras_serializable).").format(
                                  name=self.name, op=self.op.__name__))
        return {**super().get_config(), "op": _op_path(self.op), "template": template,
                "n_inputs": self.n_inputs}


def op_node(op: Callable, args: tuple, kwargs: dict):
    """The symbolic output(s) of ``op(*args, **kwargs)``: a new ``OpLambda`` node."""
    layer = OpLambda(op, args, kwargs)
    tensors = layer.tensors
    return layer(tensors if len(tensors) > 1 else tensors[0])
