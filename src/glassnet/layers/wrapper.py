"""``Wrapper``: a layer built around other layers (Keras's ``keras.layers.Wrapper``)."""

from __future__ import annotations

from .base import Layer


class Wrapper(Layer):
    """Base of ``Bidirectional`` and ``TimeDistributed``: freezing the wrapper freezes the
    layers it wraps, as in Keras. Subclasses name them in ``WRAPPED`` (attribute names)."""

    WRAPPED: tuple[str, ...] = ()

    @property
    def trainable(self) -> bool:
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.__dict__["_trainable"] = bool(value)
        for name in self.WRAPPED:  # (not set yet while Layer.__init__ runs)
            sub = self.__dict__.get(name)
            if sub is not None:
                sub.trainable = bool(value)
