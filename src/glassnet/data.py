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
        data = pandas_to_numpy(data, what)
    try:
        arr = np.asarray(data)
    except ValueError as err:  # ragged nested lists
        raise InputTypeError(
            f"{what} could not be turned into an array ({err}).{_ragged(data)} Every sample "
            "must have the same shape: pad or crop ragged lists first."
        ) from None
    if arr.dtype == object:
        raise InputTypeError(
            f"{what} is an object array (mixed types or ragged rows), shape {arr.shape}. "
            "Pass numbers only, every sample with the same shape."
        )
    if np.iscomplexobj(arr):
        raise InputTypeError(f"{what} holds complex numbers ({arr.dtype}); pass real numbers, "
                             f"e.g. np.abs({what}) or {what}.real.")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputTypeError(
            f"{what} holds {arr.dtype} values, not numbers. Convert them to numbers first "
            "(for class names, map each name to an integer label)."
        )
    if arr.ndim == 0:
        raise InputError(f"{what} is a single number ({arr.item()!r}), not an array of samples. "
                         f"Pass one entry per sample, e.g. np.array([{arr.item()!r}]).")
    if arr.size == 0:
        raise InputError(f"{what} is empty (shape {arr.shape}): there is nothing to compute on.")
    return arr


def _ragged(data) -> str:
    """`` Rows have lengths 3 and 4.`` for a ragged list, else ``""``."""
    try:
        lengths = sorted({len(row) for row in list(data)[:10000]})
    except TypeError:
        return ""
    if len(lengths) < 2:
        return ""
    shown = ", ".join(map(str, lengths[:5])) + (", ..." if len(lengths) > 5 else "")
    return f" Its rows have different lengths: {shown}."


def pandas_to_numpy(data, what: str) -> np.ndarray:
    """A pandas ``DataFrame`` (columns kept in their order) or ``Series`` as an array.

    The dtypes are checked first, so a text or category column is named in the error
    instead of surfacing later as an anonymous object array.
    """
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if hasattr(data, "columns"):  # DataFrame: one dtype per column
        bad = [(col, dtype) for col, dtype in data.dtypes.items()
               if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype))]
        if bad:
            names = ", ".join(f"{col!r} ({dtype})" for col, dtype in bad)
            cols = [col for col, _ in bad]
            raise InputTypeError(
                f"{what} has non-numeric columns: {names}. Turn them into numbers first, "
                f"e.g. pandas.get_dummies({what}, columns={cols!r}) for categories, or drop "
                f"them with {what}.drop(columns={cols!r})."
            )
    elif not (is_numeric_dtype(data.dtype) or is_bool_dtype(data.dtype)):  # Series
        label = f" (Series {data.name!r})" if data.name is not None else ""
        raise InputTypeError(
            f"{what}{label} holds {data.dtype} values, not numbers. Convert them first: for "
            f"class names, {what}.astype('category').cat.codes gives integer labels."
        )
    arr = data.to_numpy()
    if arr.dtype == object:  # nullable dtypes (Int64, Float64, boolean): pd.NA becomes NaN
        arr = data.to_numpy(dtype=np.float64, na_value=np.nan)
    return arr


def column_names(data) -> list | None:
    """The column names of a pandas ``DataFrame``, in order; None for anything else."""
    if hasattr(data, "columns") and hasattr(data, "dtypes"):
        return list(data.columns)
    return None


def check_columns(expected: list | None, data, what: str = "x") -> None:
    """A ``DataFrame`` must have the columns the model was trained on, in the same order.

    Its values are read by position, so swapped columns would silently feed each
    feature into the weights learned for another one.
    """
    got = column_names(data)
    if expected is None or got is None or got == expected:
        return
    if sorted(map(str, got)) == sorted(map(str, expected)):
        raise InputError(
            f"{what} has the training columns in a different order: {got!r}, but the model "
            f"was trained on {expected!r}. Reorder them: {what}[{expected!r}]."
        )
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    raise InputError(
        f"{what} has different columns from the training data: missing {missing!r}, "
        f"unexpected {extra!r}. The model was trained on {expected!r}."
    )


def as_inputs(x, what: str = "x") -> np.ndarray:
    """Inputs as a float array of the model's float type (float32), cast once."""
    arr = as_array(x, what)
    with np.errstate(over="ignore"):  # values beyond float32 become inf, reported by index
        return np.ascontiguousarray(arr, dtype=backend.floatx())


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
