"""Global settings, with ``keras.backend``'s names: the float type, epsilon, the image
layout, layer names, and ``get_value``/``set_value`` for Keras 2 programs.

glassnet computes in float32, like Keras. Gradient checks switch to float64 with
``set_floatx("float64")`` so that finite differences are accurate.
"""

from __future__ import annotations

import re

import numpy as np

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
        raise ValueError(f"floatx must be 'float32' or 'float64', got {dtype!r}.")
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
        raise ValueError(f"glassnet supports image_data_format 'channels_last' only, got "
                         f"{data_format!r}: put the channel axis last, e.g. "
                         f"x = x.transpose(0, 2, 3, 1).")


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
            f"set_value needs something it can change in place, such as "
            f"model.optimizer.learning_rate or a weight array; got {type(x).__name__} {x!r}. "
            f"For the learning rate, write model.optimizer.learning_rate = {value!r}.")


# -- Keras 2's math in keras.backend (K.mean, K.std... in custom metrics and losses) --------
def _keras2_op(name: str, op: str, module: str = "ops", **defaults):
    """``keras.backend.<name>``: Keras 2's function, removed in Keras 3 (one warning naming
    ``keras.<module>.<op>``), computed by that op (on tensors, so a tape follows it)."""
    def fn(*args, **kwargs):
        import importlib

        from .legacy import warn_once

        warn_once(f"keras.backend.{name}", f"keras.{module}.{op}")
        target = importlib.import_module(f"{__package__}.{module}")
        return getattr(target, op)(*args, **{**defaults, **kwargs})

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Keras 2's ``K.{name}``: ``keras.{module}.{op}``."
    return fn


abs = _keras2_op("abs", "abs")  # noqa: A001 - Keras's name
argmax = _keras2_op("argmax", "argmax", axis=-1)  # K.argmax's axis is -1, ops.argmax's None
cast = _keras2_op("cast", "cast")
clip = _keras2_op("clip", "clip")
equal = _keras2_op("equal", "equal")
exp = _keras2_op("exp", "exp")
log = _keras2_op("log", "log")
max = _keras2_op("max", "max")  # noqa: A001
mean = _keras2_op("mean", "mean")
min = _keras2_op("min", "min")  # noqa: A001
ones_like = _keras2_op("ones_like", "ones_like")
round = _keras2_op("round", "round")  # noqa: A001
sqrt = _keras2_op("sqrt", "sqrt")
square = _keras2_op("square", "square")
std = _keras2_op("std", "std")
sum = _keras2_op("sum", "sum")  # noqa: A001
var = _keras2_op("var", "var")
zeros_like = _keras2_op("zeros_like", "zeros_like")
int_shape = _keras2_op("int_shape", "shape")
random_normal = _keras2_op("random_normal", "normal", module="random")
random_uniform = _keras2_op("random_uniform", "uniform", module="random")
