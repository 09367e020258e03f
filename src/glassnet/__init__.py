"""glassnet: your first neural network, Keras on the outside, plain NumPy inside.

    import glassnet as tf          # the tutorial's code runs unchanged after this line
    model = tf.keras.Sequential([tf.keras.layers.Dense(128, activation="relu"),
                                 tf.keras.layers.Dense(10, activation="softmax")])
"""

from __future__ import annotations

import sys

from . import (
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    random,
    regularizers,
    utils,
)
from .errors import GlassnetError, InputError, ModelFileError
from .layers import Input
from .model import Model, Sequential
from .saving import load_model

__version__ = "0.1.0"

# `import glassnet as tf; tf.keras.Sequential` and `import glassnet as keras` both work.
keras = sys.modules[__name__]
sys.modules[__name__ + ".keras"] = keras
# `from glassnet.keras.layers import Dense` (from `from tensorflow.keras.layers import ...`)
# must find the same modules, not import second copies with their own classes.
for _name, _module in list(sys.modules.items()):
    if _name.startswith(__name__ + ".") and not _name.startswith(__name__ + ".keras"):
        sys.modules.setdefault(__name__ + ".keras" + _name[len(__name__):], _module)

#: Optional modules, imported on first use (PEP 562), as NumPy and SciPy do with theirs:
#: ``import glassnet as gn; gn.inspect.explain(model, x)`` works, and ``import glassnet``
#: stays as fast as before (they import matplotlib, Pillow, scikit-learn only when used).
_LAZY = ("cli", "export", "filetype", "imaging", "inspect", "report", "sklearn")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"{__name__}.{name}")
        sys.modules.setdefault(f"{__name__}.keras.{name}", module)
        return module  # the import also set it as an attribute: no second call
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "GlassnetError", "Input", "InputError", "Model", "ModelFileError", "Sequential",
    "activations", "backend", "callbacks", "constraints", "datasets", "initializers", "keras",
    "layers", "load_model", "losses", "metrics", "models", "optimizers", "random",
    "regularizers", "utils",
]
