"""``glassnet.models``: ``Sequential`` and ``load_model``, as in ``keras.models``."""

from .model import Model, Sequential
from .saving import load_model

__all__ = ["Model", "Sequential", "load_model"]
