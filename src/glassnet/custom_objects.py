"""Keras's ways of naming your own layer classes for loading: ``custom_object_scope`` and
``register_keras_serializable`` (``keras.utils``), on top of
``glassnet.serialization.register_layer``.

A model file or JSON stores a layer by class name; the loader builds only classes it knows,
so loading never runs code from the file. These add your classes to what it knows: for the
duration of a ``with`` block, or for good with the decorator.

Layer (and model) classes and activation functions matter to glassnet's loader: a layer
whose activation is a function of your own stores the function's name. Other entries are
accepted and unused.
"""

from __future__ import annotations

from typing import Any

from . import activations, serialization
from .layers import Layer

__all__ = ["CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "register_keras_serializable"]


def _layer_classes(objects: dict[str, Any]) -> dict[str, type]:
    return {name: obj for name, obj in objects.items()
            if isinstance(obj, type) and issubclass(obj, Layer)}


def _functions(objects: dict[str, Any]) -> dict[str, Any]:
    return {name: obj for name, obj in objects.items()
            if callable(obj) and not isinstance(obj, type)}


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}): load_model(...)``: the classes are
    known to the loader inside the block, and forgotten after it."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects: dict[str, Any] = {}
        for d in objects:
            self.objects.update(d or {})
        self._saved: dict[str, type | None] = {}
        self._saved_functions: dict[str, Any] = {}

    def __enter__(self) -> CustomObjectScope:
        for name, cls in _layer_classes(self.objects).items():
            self._saved[name] = serialization.LAYERS.get(name)
            serialization.register_layer(cls, name)
        self._saved_functions = {}
        for name, fn in _functions(self.objects).items():
            self._saved_functions[name] = activations.CUSTOM.get(name)
            activations.CUSTOM[name] = fn
        return self

    def __exit__(self, *exc) -> None:
        for registry, saved in ((serialization.LAYERS, self._saved),
                                (activations.CUSTOM, self._saved_functions)):
            for name, previous in saved.items():
                if previous is None:
                    registry.pop(name, None)
                else:
                    registry[name] = previous
        self._saved, self._saved_functions = {}, {}


custom_object_scope = CustomObjectScope


def get_custom_objects() -> dict[str, type]:
    """The layer classes the loader knows beyond glassnet's own (registered or in scope)."""
    from . import layers

    return {name: cls for name, cls in serialization.LAYERS.items()
            if getattr(layers, name, None) is not cls}


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """A class decorator: the loader may build this layer class by its name (Keras stores
    ``"package>name"``; glassnet's files store the plain name, so ``package`` is only kept
    for Keras's signature)."""
    def decorate(obj):
        if isinstance(obj, type) and issubclass(obj, Layer):
            serialization.register_layer(obj, name or obj.__name__)
        elif callable(obj) and not isinstance(obj, type):  # an activation function
            activations.CUSTOM[name or obj.__name__] = obj
        return obj

    return decorate
