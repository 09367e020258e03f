"""``keras.utils.plot_model`` and ``model_to_dot``: Keras draws a model's graph with pydot and
Graphviz. glassnet draws nothing; these print what to use instead and return ``None``, so
that a tutorial which plots its model goes on to the next line.

Keras does the same in a notebook when pydot is missing (it prints "You must install pydot"
and returns); in a script it raises ``ImportError`` there. glassnet prints in both, since
installing pydot would not help: ``model.summary()`` is the way to see the layers, their
output shapes and, for a graph model, what each layer is connected to.
"""

from __future__ import annotations

from typing import Any

from .i18n import _


def _not_drawn(what: str, model: Any, to_file: str | None) -> None:
    text = _("{what}: glassnet does not draw models.").format(what=what)
    if to_file:
        text += " " + _("{file!r} was not written.").format(file=to_file)
    text += " " + _("To see {name!r} layer by layer, with output shapes and connections, "
                    "call model.summary().").format(name=getattr(model, "name", "model"))
    print(text)


def plot_model(model, to_file: str = "model.png", show_shapes: bool = False,
               show_dtype: bool = False, show_layer_names: bool = False, rankdir: str = "TB",
               expand_nested: bool = False, dpi: int = 200,
               show_layer_activations: bool = False, show_trainable: bool = False,
               **kwargs) -> None:
    """Keras's signature; prints that glassnet does not draw (see the module docstring),
    writes nothing and returns ``None``."""
    _not_drawn("plot_model", model, to_file)


def model_to_dot(model, show_shapes: bool = False, show_dtype: bool = False,
                 show_layer_names: bool = True, rankdir: str = "TB",
                 expand_nested: bool = False, dpi: int = 200, subgraph: bool = False,
                 show_layer_activations: bool = False, show_trainable: bool = False,
                 **kwargs) -> None:
    """Keras's signature; prints that glassnet does not draw and returns ``None`` (Keras 2
    in a notebook without pydot also returns ``None``)."""
    _not_drawn("model_to_dot", model, None)
