"""Turn what the user passes to ``fit``/``evaluate``/``predict`` into arrays.

Everything is checked here, once, before any weight changes: never inside the
per-batch loop.
"""

from __future__ import annotations

import numpy as np

from . import backend
from .errors import InputError, InputTypeError


def as_array(data, what: str) -> np.ndarray:
    """``data`` as a NumPy array of numbers, or a clear error saying why not."""
    if data is None:
        raise InputError(f"{what} is missing: pass an array.")
    if hasattr(data, "to_numpy") and hasattr(data, "dtypes"):  # pandas DataFrame or Series
        data = data.to_numpy()
    try:
        arr = np.asarray(data)
    except ValueError as err:  # ragged nested lists
        raise InputTypeError(
            f"{what} could not be turned into an array ({err}). Every sample must have the same "
            "shape: pad or crop ragged lists first."
        ) from None
    if arr.dtype == object:
        raise InputTypeError(
            f"{what} is an object array (mixed types or ragged rows), shape {arr.shape}. "
            "Pass numbers only, every sample with the same shape."
        )
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputTypeError(
            f"{what} holds {arr.dtype} values, not numbers. Convert them to numbers first "
            "(for class names, map each name to an integer label)."
        )
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise InputError(f"{what} is empty (shape {arr.shape}): there is nothing to compute on.")
    return arr


def as_inputs(x, what: str = "x") -> np.ndarray:
    """Inputs as a float array of the model's float type (float32), cast once."""
    return np.ascontiguousarray(as_array(x, what), dtype=backend.floatx())


def as_targets(y, sparse: bool, what: str = "y") -> np.ndarray:
    """Targets: integer class indices for sparse losses, floats otherwise."""
    arr = as_array(y, what)
    if sparse:
        if not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
            raise InputError(
                f"{what} must hold whole-number class labels for "
                "sparse_categorical_crossentropy, but it has fractional or non-finite values."
            )
        return arr.astype(np.intp)
    return np.ascontiguousarray(arr, dtype=backend.floatx())


def check_same_length(x: np.ndarray, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise InputError(
            f"x and y have different numbers of samples: x has {len(x)} (shape {x.shape}) and "
            f"y has {len(y)} (shape {y.shape}). Give one label per sample."
        )
