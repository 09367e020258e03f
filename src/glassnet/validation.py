"""Checks of ``x`` and ``y`` against the model and its loss, before any weight changes.

``fit``, ``evaluate`` and ``predict`` call these once, at their entry, never inside
the per-batch loop. Each failed check raises ``InputError`` (a ``ValueError``) or
``InputTypeError`` (a ``TypeError``) whose message names the problem with the
user's own shapes and values, and says the fix. Keras's most common beginner
errors are the catalogue to beat:

* ``Shapes (None, 1) and (None, 10) are incompatible``: integer labels with
  ``categorical_crossentropy``;
* ``Received a label value of 10 which is outside the valid range of [0, 10)``;
* ``expected dense_input to have 2 dimensions, but got array with shape
  (60000, 28, 28)``: images into a ``Dense`` first layer.

Cost: a check reads the data at most twice (``min`` and ``max``; NaN propagates
through both, so two finite results mean every value is finite) and copies nothing.
Locating the bad values (``np.argwhere``) happens only on the error path. ``predict``
skips the value check unless its outputs hold NaN or inf, which any NaN or inf in ``x``
causes.

Rule for a single sample: ``predict(x)`` with ``x.shape`` equal to the model's input
shape (no batch dimension, e.g. one ``(28, 28)`` image for a model built for
``(28, 28)``) is read as a batch of one sample, and the result has shape
``(1, ...)``. A 1-D ``x`` for a model with one input feature (or not built yet) is
read as one feature per sample, shape ``(n, 1)``, as Keras does.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import backend
from . import data as data_module
from .errors import InputError

# Layers that pass the input's values through unchanged (only reshaped or masked).
_PASS_THROUGH = ("Flatten", "Reshape", "Dropout", "InputLayer")
_MAX_LISTED = 3  # bad values quoted in a message


def _shape(shape) -> str:
    """``(None, 28, 28)``: a shape as Keras prints it, batch first."""
    return "(" + ", ".join(["None", *map(str, shape)]) + ")"


def _minmax(arr: np.ndarray) -> tuple[float, float]:
    return float(arr.min()), float(arr.max())


def check_finite(arr: np.ndarray, what: str, lo_hi: tuple[float, float] | None = None) -> None:
    """Raise if ``arr`` holds NaN or ±inf, saying where by index.

    ``lo_hi`` is ``(arr.min(), arr.max())`` when the caller has it already.
    """
    if arr.dtype.kind not in "fc":
        return  # integers and booleans are always finite
    lo, hi = lo_hi if lo_hi is not None else _minmax(arr)
    if math.isfinite(lo) and math.isfinite(hi):
        return
    bad = np.argwhere(~np.isfinite(arr))
    listed = ", ".join(f"{what}[{', '.join(map(str, i))}] = {arr[tuple(i)]}"
                       for i in bad[:_MAX_LISTED])
    rows = np.unique(bad[:, 0])
    shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
    hint = (" Values beyond ±3.4e38 become inf in float32."
            if arr.dtype == np.float32 and np.isinf(arr[tuple(bad[0])]) else "")
    raise InputError(
        f"{what} holds {len(bad)} NaN or infinite value(s), in {len(rows)} sample(s) at index "
        f"{shown} (first: {listed}).{hint} Training on them would turn every weight into NaN. "
        f"Drop those samples (keep = np.isfinite({what}).reshape(len({what}), -1).all(axis=1); "
        f"{what}[keep]) or fill the gaps (np.nan_to_num({what}))."
    )


def check_fits_floatx(arr: np.ndarray, what: str, lo_hi: tuple[float, float]) -> None:
    """Raise if a float64 ``arr`` (kept uncast) holds values that become ±inf in float32."""
    if max(-lo_hi[0], lo_hi[1]) > float(np.finfo(backend.floatx()).max):
        with np.errstate(over="ignore"):  # the error path only: cast to say where
            check_finite(arr.astype(backend.floatx()), what)


# -- x ------------------------------------------------------------------------------
def values(x: np.ndarray, what: str = "x") -> tuple[float, float]:
    """Raise if a float ``x`` holds NaN or ±inf, or (float64) values beyond float32's
    range; else return ``(x.min(), x.max())``. Two passes over ``x``."""
    lo_hi = _minmax(x)
    check_finite(x, what, lo_hi)
    if x.dtype != backend.floatx():
        check_fits_floatx(x, what, lo_hi)
    return lo_hi


def inputs(model, x, single_sample: bool = False, what: str = "x",
           training: bool = False, cast: bool = True, check_values: bool = True,
           expected: tuple | None = None, layers: list | None = None) -> np.ndarray:
    """``x`` as a float array shaped ``(batch, *expected)``, or a clear error.

    ``expected``: one sample's shape for this input (None: not known yet); ``layers``:
    the layers the input goes through first, named in messages.

    ``single_sample`` (``predict``): accept one sample without the batch dimension.
    ``training`` (``fit``): also warn about unscaled 0-255 inputs.
    ``cast=False`` (``fit``, ``evaluate``, ``predict``): return the numbers in the user's
    own dtype, without a float32 copy of the whole set; those loops cast batch by batch.
    ``check_values=False`` (``predict``): skip the NaN/inf check here; the caller runs
    ``values`` if its outputs are not finite (a NaN input always gives a NaN output).
    """
    raw = data_module.as_array(x, what)
    x = data_module.as_inputs(raw, what) if cast else raw
    lo_hi = None
    if raw.dtype.kind in "iub":  # integers are finite: min/max of the smaller original
        lo_hi = _minmax(raw) if training else None
    elif check_values or training:
        lo_hi = values(x, what)
    if training:
        warn_if_unscaled(model, layers, *lo_hi)
    if single_sample and expected is not None and x.shape == expected:
        return x[np.newaxis]  # one sample -> a batch of one
    if x.ndim == 1 and (expected is None or expected == (1,)):
        return x[:, np.newaxis]  # one feature per sample, as Keras reads a 1-D x
    if expected is None:
        _check_unbuilt(layers, x, what)
    elif x.shape[1:] != tuple(expected):
        raise _mismatch(layers, x, tuple(expected), what)
    return x


def _check_unbuilt(layers: list, x: np.ndarray, what: str) -> None:
    first = layers[0]
    if type(first).__name__ == "Dense" and x.ndim > 2:
        sample = "x".join(map(str, x.shape[1:]))
        n = math.prod(x.shape[1:])
        raise InputError(
            f"Dense layer {first.name!r} comes first: it would act on the last axis of each "
            f"sample only, but {what} has shape {x.shape}: each sample is a "
            f"{sample} grid. Add Flatten() before it, e.g. Sequential([Flatten(), "
            f"Dense(...), ...]), or start the model with Input(shape={x.shape[1:]}) followed by "
            f"Flatten(). Or reshape the data: {what} = {what}.reshape(len({what}), {n})."
        )


def _mismatch(layers: list, x: np.ndarray, expected: tuple, what: str) -> InputError:
    first = layers[0] if layers else None
    name = "input" if first is None else first.name
    head = (f"Input 0 of layer {name!r} is incompatible with the data: the model was "
            f"built for inputs of shape {_shape(expected)}")
    if x.shape == expected:
        return InputError(
            f"{head}, and {what} has shape {x.shape}, the shape of one sample without the batch "
            f"dimension. Add it: {what}.reshape(1, {', '.join(map(str, expected))}) or "
            f"{what}[np.newaxis]."
        )
    if x.ndim == 1:
        return InputError(
            f"{head}, but {what} has shape {x.shape}: one number per sample. Give each sample "
            f"{math.prod(expected)} values, shape (n, {', '.join(map(str, expected))})."
        )
    got = x.shape[1:]
    if math.prod(got) == math.prod(expected):
        fix = (f"The sizes agree ({'x'.join(map(str, got))} = {'x'.join(map(str, expected))} "
               f"= {math.prod(expected)} values per sample): reshape the data with "
               f"{what} = {what}.reshape(len({what}), {', '.join(map(str, expected))})")
        if len(expected) == 1:
            fix += (f", or build the model for {got} samples: Input(shape={got}) then "
                    "Flatten()")
        return InputError(f"{head}, but {what} has shape {x.shape}. {fix}.")
    if len(got) == len(expected) == 1:
        return InputError(
            f"{head}: {expected[0]} features per sample, but {what} has {got[0]} features "
            f"(shape {x.shape}). Pass data with {expected[0]} features, or build a new model "
            f"for {got[0]} (a model keeps the input size of its first fit or its input_shape=)."
        )
    return InputError(
        f"{head}, but {what} has shape {x.shape}, i.e. samples of shape {got}. Pass samples "
        f"of shape {expected}, or build a new model for {got}."
    )


def warn_if_unscaled(model, layers: list, lo: float, hi: float) -> None:
    """Warn once per model when raw 0-255 pixel values reach the first ``Dense`` directly.

    Heuristic: every value (``lo`` to ``hi``) in ``[0, 255]``, the smallest below 1 (an
    image has dark background pixels) and the largest above 10. Features that merely lie
    in that range, such as values around 100, do not warn.
    """
    if model.warned_unscaled:
        return
    first = next((layer for layer in layers
                  if type(layer).__name__ not in _PASS_THROUGH), None)
    if first is None or type(first).__name__ != "Dense":
        return
    if 0 <= lo < 1 and 10 < hi <= 255:
        model.warned_unscaled = True
        warnings.warn(
            f"The inputs range from {lo:g} to {hi:g}, like raw pixel values, and go straight "
            f"into Dense layer {first.name!r}. Large inputs make the first steps huge and "
            "training slow or unstable: scale them to [0, 1] first, e.g. x = x / 255.0 "
            "(and the same for the test data).", UserWarning, stacklevel=6)


# -- y ------------------------------------------------------------------------------
def targets(y, x: np.ndarray, loss, last, out: tuple, what: str = "y") -> np.ndarray:
    """``y`` checked against ``x``, the ``loss`` and the output it is compared with (made
    by layer ``last``, one sample's shape ``out``), cast for the loss.

    Sparse labels become integers (``intp``), every other target floats (float32).
    """
    arr = data_module.as_array(y, what)
    check_finite(arr, what)
    data_module.check_same_length(x, arr)
    out = tuple(out or ())
    name = getattr(loss, "name", "")
    if name == "sparse_categorical_crossentropy":
        return _sparse(arr, last, out[-1] if out else None, what)
    if name == "categorical_crossentropy":
        _categorical(arr, last, out, what)
    elif name == "binary_crossentropy":
        _binary(arr, last, out, what)
    elif name in ("mean_squared_error", "mean_absolute_error"):
        _same_shape(arr, last, out, what, name)
    if getattr(loss, "sparse", False):  # a user's own sparse loss
        return arr.astype(np.intp, copy=False)
    return np.ascontiguousarray(arr, dtype=backend.floatx())


def _sparse(y: np.ndarray, last, units, what: str) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] > 1:
        looks = "looks one-hot" if y.shape[1] == units else "has several columns"
        raise InputError(
            f"{what} has shape {y.shape} and {looks}, but loss 'sparse_categorical_crossentropy' "
            f"wants one integer class label per sample, shape ({len(y)},). Either use "
            f"loss='categorical_crossentropy' with one-hot labels, or turn them into integers: "
            f"{what} = {what}.argmax(axis=1)."
        )
    if y.ndim > 2:
        raise InputError(f"{what} has shape {y.shape}; sparse_categorical_crossentropy wants one "
                         f"integer label per sample, shape ({len(y)},).")
    if y.dtype.kind == "f":
        frac = np.flatnonzero(y.reshape(-1) != np.round(y.reshape(-1)))
        if frac.size:
            i = int(frac[0])
            raise InputError(
                f"{what} must hold whole-number class labels for "
                f"sparse_categorical_crossentropy, but {what}[{i}] = {y.reshape(-1)[i]} "
                f"({frac.size} such value(s)). For probabilities or one-hot rows use "
                "loss='categorical_crossentropy'; for regression use loss='mse'."
            )
    lo, hi = _minmax(y)
    if units is not None and units == 1:
        raise InputError(
            f"The last layer {last.name!r} has 1 unit, but sparse_categorical_crossentropy needs "
            f"one unit per class. For two classes use Dense(1, activation='sigmoid') with "
            f"loss='binary_crossentropy', or Dense(2, activation='softmax'); for k classes "
            f"Dense(k, activation='softmax')."
        )
    if units is not None and (lo < 0 or hi >= units):
        bad = int(hi) if hi >= units else int(lo)
        i = int(np.flatnonzero(y.reshape(-1) == bad)[0])
        msg = (f"Received a label value of {bad} (at {what}[{i}]) which is outside the valid "
               f"range of [0, {units}): the last layer {last.name!r} has {units} units, one "
               f"per class, and labels must be 0 to {units - 1}.")
        if lo == 1 and hi == units:
            msg += (f" Your labels run from 1 to {units}: they start at 1. Subtract 1: "
                    f"{what} = {what} - 1.")
        elif hi >= units:
            msg += (f" If there are {int(hi) + 1} classes, give the last layer "
                    f"{int(hi) + 1} units: Dense({int(hi) + 1}, activation='softmax').")
        else:
            msg += " Class labels cannot be negative: map them to 0, 1, 2, ..."
        raise InputError(msg)
    return y.astype(np.intp, copy=False)


def _categorical(y: np.ndarray, last, out: tuple, what: str) -> None:
    units = out[-1] if out else None
    if units is not None and units > 1 and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        raise InputError(
            f"Shapes {_shape(y.shape[1:] or (1,))} and {_shape(out)} are incompatible: {what} "
            f"has shape {y.shape}, one integer class label per sample, but loss "
            f"'categorical_crossentropy' wants one-hot rows of shape ({len(y)}, {units}). Use "
            f"loss='sparse_categorical_crossentropy' (integer labels as they are), or convert: "
            f"{what} = glassnet.utils.to_categorical({what}, {units})."
        )
    _same_shape(y, last, out, what, "categorical_crossentropy")
    lo, _ = _minmax(y)
    if lo < 0:
        raise InputError(f"{what} holds negative values (smallest {lo:g}), but "
                         "categorical_crossentropy needs one-hot rows or probabilities in "
                         "[0, 1].")


def _binary(y: np.ndarray, last, out: tuple, what: str) -> None:
    lo, hi = _minmax(y)
    if lo < 0 or hi > 1:
        values = np.unique(y)
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if values.size > 6 else "")
        msg = (f"loss 'binary_crossentropy' needs labels 0 and 1 (or probabilities between), "
               f"but {what} holds {shown}.")
        if values.size == 2 and (values == [1, 2]).all():
            fix = f" The labels start at 1: use {what} = {what} - 1."
        elif values.size == 2 and (values == [-1, 1]).all():
            fix = f" Map -1/1 to 0/1: {what} = ({what} + 1) / 2."
        elif values.size == 2:
            fix = f" Map them to 0 and 1, e.g. {what} = ({what} == {values[1]:g})."
        elif np.all(values == np.round(values)):
            fix = (f" That looks like {values.size} classes: use Dense({int(hi) + 1}, "
                   "activation='softmax') with loss='sparse_categorical_crossentropy'.")
        else:
            fix = " For numbers to predict (regression) use loss='mse'."
        raise InputError(msg + fix)
    _same_shape(y, last, out, what, "binary_crossentropy")


def _same_shape(y: np.ndarray, last, out: tuple, what: str, loss: str) -> None:
    """``y`` must match the output, ``(n,) + out``; ``(n,)`` also serves one unit."""
    if not out or y.shape[1:] == out or (y.ndim == 1 and out == (1,)):
        return
    units = out[-1]
    if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
        hint = (" For integer class labels use loss='sparse_categorical_crossentropy'; for one "
                "number per sample use a last layer of 1 unit.")
    else:
        hint = (f" Give the last layer {y.shape[-1]} units, or make {what} match "
                f"({len(y)}, {', '.join(map(str, out))}).")
    raise InputError(
        f"Shapes {_shape(y.shape[1:] or (1,))} and {_shape(out)} are incompatible: {what} has "
        f"shape {y.shape}, but the last layer {last.name!r} outputs {units} value(s) per sample "
        f"(shape {_shape(out)}) and loss {loss!r} compares them one to one.{hint}"
    )
