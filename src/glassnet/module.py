"""``tf.Module``: a container of variables and other modules, found by walking attributes.

TensorFlow's lowest-level way to group the weights of a model by hand (the guides
"Introduction to modules" and "Basic training loops")::

    class Linear(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(5.0)
            self.b = tf.Variable(0.0)

        def __call__(self, x):
            return self.w * x + self.b

    model = Linear()
    model.trainable_variables      # (w, b): ready for tape.gradient and apply_gradients

Nothing is registered: ``variables`` looks at the module's attributes (sorted by name,
looking inside lists, tuples and dicts), takes the ``Variable``s it finds, then does the
same inside each sub-module it found. Keras layers and models count as sub-modules whose
variables are their ``weights``, as in TensorFlow, where ``Layer`` is a ``Module``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from . import backend
from .tensor import Variable


def _is_layer(value: Any) -> bool:
    from .layers.base import Layer

    return isinstance(value, Layer)


def _leaves(value: Any) -> Iterator[Any]:
    """The values inside nested lists, tuples and dicts (dict keys in sorted order)."""
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            yield from _leaves(value[key])
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


class Module:
    """``tf.Module(name=None)``: ``variables``, ``trainable_variables``, ``submodules``.

    ``name`` defaults to the class name in snake case (``MyModel`` → ``my_model``).
    """

    def __init__(self, name: str | None = None) -> None:
        self._name = name or backend.snake_case(type(self).__name__)

    @property
    def name(self) -> str:
        return getattr(self, "_name", None) or backend.snake_case(type(self).__name__)

    @property
    def name_scope(self):
        """``with self.name_scope:`` (TensorFlow prefixes op names; glassnet has none)."""
        return contextlib.nullcontext()

    @classmethod
    def with_name_scope(cls, method):
        """``@tf.Module.with_name_scope``: the method, unchanged (no op names to scope)."""
        return method

    def _walk(self) -> tuple[list[Variable], list[Any]]:
        """(variables, submodules): own attributes first, then each sub-module's, breadth
        first; each object once, even when reachable twice."""
        variables: list[Variable] = []
        modules: list[Any] = []
        seen = {id(self)}
        queue: list[Any] = [self]
        while queue:
            module = queue.pop(0)
            if _is_layer(module):  # a Keras layer: its weights are its variables
                for v in module.weights:
                    if id(v) not in seen:
                        seen.add(id(v))
                        variables.append(v)
                continue
            attributes = vars(module)
            for key in sorted(attributes):
                for value in _leaves(attributes[key]):
                    if id(value) in seen:
                        continue
                    if isinstance(value, Variable):
                        seen.add(id(value))
                        variables.append(value)
                    elif isinstance(value, Module) or _is_layer(value):
                        seen.add(id(value))
                        modules.append(value)
                        queue.append(value)
        return variables, modules

    @property
    def variables(self) -> tuple[Variable, ...]:
        """Every ``Variable`` of this module and its sub-modules."""
        return tuple(self._walk()[0])

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        """The variables with ``trainable=True``: what ``tape.gradient`` differentiates."""
        return tuple(v for v in self._walk()[0] if v.trainable)

    @property
    def non_trainable_variables(self) -> tuple[Variable, ...]:
        return tuple(v for v in self._walk()[0] if not v.trainable)

    @property
    def submodules(self) -> tuple[Any, ...]:
        """The modules (and Keras layers) found inside this one, at any depth."""
        return tuple(self._walk()[1])

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object named {self.name!r}>"
