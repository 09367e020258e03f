"""``Lambda``: a function of glassnet ops as a layer, ``layers.Lambda(lambda x: x ** 2)``.

The function is the layer's ``call``: its gradient comes from the tape, like any layer a
user writes with ``call``. A model file cannot hold the function (Keras stores its
bytecode, which runs code on loading); ``get_config`` says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..i18n import _
from .base import Layer


class Lambda(Layer):
    """``Lambda(function, output_shape=None, mask=None, arguments=None)``:
    ``y = function(x, **arguments)``."""

    def __init__(self, function: Callable, output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs) -> None:
        if not callable(function):
            raise TypeError(_("Lambda needs a function, e.g. layers.Lambda(lambda x: x * 2), "
                              "got {value!r}.").format(value=function))
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self.declared_output_shape = output_shape

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def _call_output_shape(self, input_shape):
        """``output_shape`` when given (without the batch axis, or a function of the input
        shape with it); else the shape of ``function`` called on zeros."""
        shape = self.declared_output_shape
        if shape is None:
            return super()._call_output_shape(input_shape)
        if callable(shape):
            return tuple(shape((None, *input_shape)))[1:]
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        raise TypeError(_("Lambda layer {name!r} holds a Python function, which a model "
                          "file cannot store. Save with model.save_weights, or write the "
                          "function as a Layer subclass with call and register it "
                          "(keras.utils.register_keras_serializable).").format(
                              name=self.name))
