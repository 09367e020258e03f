"""``Input``/``InputLayer``: declare the shape of one sample."""

from __future__ import annotations

import numpy as np

from ..graph import KerasTensor, Node
from ..i18n import _
from .base import Layer, _as_shape


class InputLayer(Layer):
    """The entry of a graph: ``shape`` is one sample's shape, without the batch dimension.

    ``Input(shape=(784,))`` returns its output, a symbolic tensor of shape ``(None, 784)``
    that layers are called on (the functional API). ``Sequential([Input(shape=(28, 28)),
    Flatten(), Dense(10)])`` builds at once; there the input is not listed in
    ``model.layers``, as in Keras.
    """

    def __init__(self, shape=None, batch_size=None, name=None, input_shape=None,
                 dtype=None, batch_shape=None, **kwargs):
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError(_("Input needs a shape, e.g. Input(shape=(784,))."))
        kwargs.pop("sparse", None)
        kwargs.pop("ragged", None)
        super().__init__(name=name, input_shape=_as_shape(shape), **kwargs)
        self.batch_size = batch_size
        self.dtype = _dtype_name(dtype)
        self.build(self.declared_input_shape)
        node = Node(self, [], [self.shape], list_call=False)
        node.outputs[0].dtype = self.dtype
        self.inbound_nodes.append(node)

    @property
    def shape(self) -> tuple:
        return (self.batch_size, *self.declared_input_shape)

    def forward(self, x, training=False):
        return x

    def backward(self, dy):
        return dy

    def get_config(self):
        return {"name": self.name, "shape": list(self.declared_input_shape),
                "dtype": self.dtype}


def _dtype_name(dtype) -> str:
    """Keras's name of an input dtype: ``"string"`` for ``tf.string`` (NumPy's ``str_``),
    ``str`` or ``"string"``; float32 by default."""
    if dtype is None:
        return "float32"
    if (isinstance(dtype, str) and dtype in ("string", "str")) or \
            any(dtype is t for t in (str, bytes, np.str_, np.bytes_, object)):
        return "string"
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def Input(shape=None, batch_size=None, name=None, dtype=None, **kwargs) -> KerasTensor:  # noqa: N802
    """Keras's ``Input(shape=...)``: a symbolic tensor for samples of ``shape``, e.g.
    ``(28, 28)``; call layers on it, then ``Model(inputs, outputs)``."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                      **kwargs).output
