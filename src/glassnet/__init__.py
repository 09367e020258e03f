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
    preprocessing,
    random,
    regularizers,
    utils,
)
from .errors import GlassnetError, InputError, ModelFileError
from .layers import Input
from .model import Model, Sequential
from .saving import load_model

__version__ = "0.1.0"


class _Version(str):
    """glassnet's version as both spellings read it: ``tf.version.VERSION`` and
    ``keras.version()``."""

    @property
    def VERSION(self) -> str:  # noqa: N802  (TensorFlow's name)
        return str(self)

    def __call__(self) -> str:
        return str(self)


version = _Version(__version__)

# `import glassnet as tf; tf.keras.Sequential` and `import glassnet as keras` both work.
keras = sys.modules[__name__]
sys.modules[__name__ + ".keras"] = keras
# `from glassnet.keras.layers import Dense` (from `from tensorflow.keras.layers import ...`)
# must find the same modules, not import second copies with their own classes.
for _name, _module in list(sys.modules.items()):
    if _name.startswith(__name__ + ".") and not _name.startswith(__name__ + ".keras"):
        sys.modules.setdefault(__name__ + ".keras" + _name[len(__name__):], _module)

__all__ = [
    "GlassnetError", "Input", "InputError", "Model", "ModelFileError", "Sequential",
    "activations", "backend", "callbacks", "constraints", "datasets", "initializers", "keras",
    "layers", "load_model", "losses", "metrics", "models", "optimizers", "preprocessing",
    "random", "regularizers", "utils", "version",
]
