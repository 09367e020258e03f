"""``tf.Module``: an object whose ``tf.Variable`` attributes (and those of the modules,
layers, lists, tuples and dicts it holds) are collected for you, as TensorFlow's guides use it::

    class MyModel(tf.Module):
        def __init__(self):
            self.w = tf.Variable(5.0)
            self.b = tf.Variable(0.0)
        def __call__(self, x):
            return self.w * x + self.b

    model = MyModel()
    model.variables            # (w, b), in the order the attributes were set
"""

from __future__ import annotations

from typing import Any

from .tensor import Variable


class Module:
    """TensorFlow's ``tf.Module``: ``variables``, ``trainable_variables`` and
    ``submodules``, found by walking the attributes."""

    def __init__(self, name: str | None = None) -> None:
        from .backend import snake_case, unique_name

        self._name = name or unique_name(snake_case(type(self).__name__))

    @property
    def name(self) -> str:
        return vars(self).get("_name") or type(self).__name__

    def _walk(self) -> tuple[list[Variable], list[Any]]:
        """Every variable and every module below this one, each once, in attribute order."""
        from .layers import Layer

        variables: list[Variable] = []
        modules: list[Any] = []
        seen: set[int] = {id(self)}

        def visit(value) -> None:
            if id(value) in seen:
                return
            if isinstance(value, Variable):
                seen.add(id(value))
                variables.append(value)
            elif isinstance(value, (Module, Layer)):
                seen.add(id(value))
                modules.append(value)
                if isinstance(value, Layer):
                    variables.extend(v for v in value.variables if id(v) not in seen)
                    seen.update(id(v) for v in value.variables)
                else:
                    for item in vars(value).values():
                        visit(item)
            elif isinstance(value, dict):
                for item in value.values():
                    visit(item)
            elif isinstance(value, (list, tuple)):
                for item in value:
                    visit(item)

        for value in vars(self).values():
            visit(value)
        return variables, modules

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(self._walk()[0])

    @property
    def trainable_variables(self) -> tuple[Variable, ...]:
        return tuple(v for v in self._walk()[0] if v.trainable)

    @property
    def non_trainable_variables(self) -> tuple[Variable, ...]:
        return tuple(v for v in self._walk()[0] if not v.trainable)

    @property
    def submodules(self) -> tuple[Any, ...]:
        return tuple(self._walk()[1])

    @staticmethod
    def with_name_scope(method):
        """``@tf.Module.with_name_scope``: names only matter to TensorFlow's graphs."""
        return method

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"
