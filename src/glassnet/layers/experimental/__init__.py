"""Keras 2.2-2.5's ``keras.layers.experimental``: only ``preprocessing`` is kept."""

from . import preprocessing

__all__ = ["preprocessing"]
