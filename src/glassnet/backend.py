"""Global settings, with ``keras.backend``'s names: the float type, epsilon, the image
layout, layer names, and ``get_value``/``set_value`` for Keras 2 programs.

glassnet computes in float32, like Keras. Gradient checks switch to float64 with
``set_floatx("float64")`` so that finite differences are accurate.
"""

from __future__ import annotations

import re

import numpy as np

from ._lazy import attach
from .i18n import _

# K.mean, K.square, K.categorical_crossentropy ... (Keras 2 custom losses): backend_ops,
# imported on first use
OPS = (
    "abs", "all", "any", "argmax", "argmin", "batch_flatten", "binary_crossentropy", "cast",
    "categorical_crossentropy", "clip", "concatenate", "constant", "dot", "equal", "eval",
    "exp", "expand_dims", "flatten", "gather", "greater", "greater_equal", "int_shape",
    "l2_normalize", "less", "less_equal", "log", "max", "maximum", "mean", "min", "minimum",
    "not_equal", "ones_like", "pow", "prod", "relu", "reshape", "round", "shape", "sigmoid",
    "sign", "softmax", "softplus", "sparse_categorical_crossentropy", "sqrt", "square",
    "stack", "std", "sum", "tanh", "transpose", "var", "variable", "zeros_like")
_missing, __dir__ = attach(__name__, dict.fromkeys(OPS, ".backend_ops"))
#: K.random_normal and K.random_uniform: keras.random.normal and keras.random.uniform
RANDOM = {"random_normal": "normal", "random_uniform": "uniform"}
#: where Keras 3 has them (it removed these from keras.backend); the rest are keras.ops.<name>
_CURRENT = {"int_shape": "keras.ops.shape", "eval": "keras.ops.convert_to_numpy",
            "variable": "keras.Variable", "constant": "keras.ops.convert_to_tensor",
            "batch_flatten": "keras.ops.reshape(x, (len(x), -1))",
            "l2_normalize": "keras.utils.normalize"}


def __getattr__(name: str):
    """``K.mean``, ``K.random_normal`` and the other Keras 2 math: imported on first use, with
    one warning naming the current spelling (Keras 3 removed them from ``keras.backend``)."""
    from .legacy import warn_once

    if name in RANDOM:
        from . import random as source

        attr, new = RANDOM[name], f"keras.random.{RANDOM[name]}"
    elif name in OPS:
        from . import backend_ops as source

        attr, new = name, _CURRENT.get(name, f"keras.ops.{name}")
    else:
        return _missing(name)  # raises AttributeError
    old = f"keras.backend.{name}"  # a spelling, not a sentence
    warn_once(old, new)
    return getattr(source, attr)


_FLOATX = np.dtype("float32")
_EPSILON = 1e-7
_NAME_COUNTS: dict[str, int] = {}


def floatx() -> np.dtype:
    """The dtype that new weights and cast inputs get (float32 unless changed)."""
    return _FLOATX


def set_floatx(dtype: str) -> None:
    """Set the default float type: ``"float32"`` (default) or ``"float64"``."""
    global _FLOATX
    if str(dtype) not in ("float32", "float64"):
        raise ValueError(_("floatx must be 'float32' or 'float64', got {dtype!r}.").format(
                               dtype=dtype))
    _FLOATX = np.dtype(dtype)


def unique_name(base: str) -> str:
    """Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2`` ..."""
    n = _NAME_COUNTS.get(base, 0)
    _NAME_COUNTS[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def snake_case(name: str) -> str:
    """``MaxPooling2D`` -> ``max_pooling2d``, as Keras names layers."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def clear_session() -> None:
    """Reset automatic layer names, as ``keras.backend.clear_session()`` does."""
    _NAME_COUNTS.clear()


def epsilon() -> float:
    """The fuzz factor Keras uses to avoid dividing by zero: ``1e-7``. (glassnet's losses
    use this value; changing it with ``set_epsilon`` changes only what this returns.)"""
    return _EPSILON


def set_epsilon(value: float) -> None:
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """``"channels_last"``: images are ``(batch, height, width, channels)``, the only layout
    glassnet's image layers take."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    if data_format != "channels_last":
        raise ValueError(_("glassnet supports image_data_format 'channels_last' only, "
                           "got {data_format!r}: put the channel axis last, e.g. x = "
                           "x.transpose(0, 2, 3, 1).").format(data_format=data_format))


def get_value(x):
    """The value of ``x`` as NumPy/Python (Keras 2's ``K.get_value(model.optimizer.lr)``).

    ``x`` may be anything with ``numpy()`` (``optimizer.learning_rate``), an array or a number.
    """
    if hasattr(x, "numpy"):
        return x.numpy()
    return np.asarray(x) if isinstance(x, (list, tuple)) else x


def set_value(x, value) -> None:
    """Set ``x`` to ``value`` in place (Keras 2's ``K.set_value(model.optimizer.lr, 0.01)``).

    ``x`` is something with ``assign`` (``optimizer.learning_rate``) or a weight array.
    """
    if hasattr(x, "assign"):
        x.assign(value)
    elif isinstance(x, np.ndarray):
        x[...] = value
    else:
        raise TypeError(
            _("set_value needs something it can change in place, such as "
              "model.optimizer.learning_rate or a weight array; got {kind} {x!r}. For "
              "the learning rate, write model.optimizer.learning_rate = {value!r}.").format(
                  kind=type(x).__name__, x=x, value=value))
