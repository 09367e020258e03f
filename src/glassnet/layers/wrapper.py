"""``Wrapper``: a layer built around other layers (Keras's ``keras.layers.Wrapper``)."""

from __future__ import annotations

from .base import Layer


class Wrapper(Layer):
    """Base of ``Bidirectional`` and ``TimeDistributed``: freezing the wrapper freezes the
    layers it wraps, as in Keras. Subclasses name them in ``WRAPPED`` (attribute names)."""

    WRAPPED: tuple[str, ...] = ()

    def frozen_with(self) -> list:
        # (not set yet while Layer.__init__ runs)
        return [self.__dict__[name] for name in self.WRAPPED
                if self.__dict__.get(name) is not None]
