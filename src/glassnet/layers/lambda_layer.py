"""``Lambda``: a layer made of one Python function of glassnet ops, ``y = f(x)``.

``Lambda(lambda x: tf.square(x) + 1)`` is a user's layer written in one line: its ``call``
runs ``f`` on tensors, so its ``backward`` comes from the tape, exactly as for a ``Layer``
subclass with ``call`` (see ``base.Layer.forward``). There is no second autodiff here.

Saving: Keras stores ``f`` as Python bytecode, and glassnet never writes or runs code in a
model file. Saving a model with a ``Lambda`` raises an error that names the fixes (a
registered ``Layer`` subclass, or ``save_weights``); loading a Keras file with a ``Lambda``
is refused (``keras_config``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import backend
from ..i18n import _
from ..tape import paused
from ..tensor import Tensor
from .base import Layer


class Lambda(Layer):
    """``y = function(x, **arguments)`` on tensors; ``dL/dx`` from the tape.

    Args:
        function: a function of the input tensor (or list of tensors) made of glassnet
            ops (``tf.*``, ``keras.ops``, ``keras.backend``, tensor operators).
        output_shape: the output's shape without the batch axis, or a function of the
            input shape (with the batch axis) giving it; by default found by calling
            ``function`` on one sample of zeros.
        mask: accepted for Keras's signature; glassnet passes no mask on from a Lambda.
        arguments: extra keyword arguments for ``function``.
    """

    handles_variable_length = True  # any number of time steps (see Layer)

    def __init__(self, function: Callable, output_shape=None, mask=None,
                 arguments: dict[str, Any] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(_("Lambda takes a function, e.g. Lambda(lambda x: x * 2); got "
                              "{type}.").format(type=type(function).__name__))
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self._output_shape = output_shape

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        """``output_shape`` when given (a shape, or a function of the input shape), else
        the shape of ``function`` on one sample of zeros."""
        given = self._output_shape
        if given is None:
            shape = self._shape_from_call(input_shape)
            if shape is None:
                raise ValueError(_("Lambda layer {name!r}: its function failed on a sample "
                                   "of shape {shape}; call the layer on real data to see the "
                                   "error, or give output_shape=.").format(
                                       name=self.name, shape=input_shape))
            return shape
        if callable(given):
            return tuple(given(input_shape))
        return (None, *given)

    def _shape_from_call(self, input_shape):
        """The output shape (with the batch axis) of ``function`` on zeros, or None."""
        try:
            with paused():
                y = self.call(_zeros(input_shape))
        except Exception:  # the real call reports it, with the user's own data
            return None
        return (None, *y.shape[1:]) if isinstance(y, Tensor) else None

    def get_config(self):
        raise ValueError(_(
            "Layer {name!r} is a Lambda layer: its function is Python code, and glassnet "
            "never stores code in a model file (a file that runs code when loaded is "
            "unsafe). Fix: write the function as a Layer subclass with a call method, "
            "decorated with @keras.saving.register_keras_serializable(), and use it instead "
            "of the Lambda; or keep the Lambda and save only the weights, "
            "model.save_weights(\"model.weights.h5\"), then rebuild the model in code and "
            "call model.load_weights.").format(name=self.name))


def _zeros(shape):
    """One sample of zeros for a shape ``(None, 8)`` (a list of shapes: a list of samples);
    an axis of unknown size gets one step."""
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return Tensor(np.zeros([1 if d is None else d for d in shape], backend.floatx()))
    return [_zeros(s) for s in shape]
