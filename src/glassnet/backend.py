"""Global settings: the float type of weights and activations, and layer names.

glassnet computes in float32, like Keras. Gradient checks switch to float64 with
``set_floatx("float64")`` so that finite differences are accurate.
"""

from __future__ import annotations

import re

import numpy as np

_FLOATX = np.dtype("float32")
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
