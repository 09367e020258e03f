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
from .i18n import _

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
    hint = (_(" Values beyond ±3.4e38 become inf in float32.")
            if arr.dtype == np.float32 and np.isinf(arr[tuple(bad[0])]) else "")
    raise InputError(_(
        "{what} holds {count} NaN or infinite value(s), in {samples} sample(s) at index "
        "{shown} (first: {listed}).{hint} Training on them would turn every weight into NaN. "
        "Drop those samples (keep = np.isfinite({what}).reshape(len({what}), -1).all(axis=1); "
        "{what}[keep]) or fill the gaps (np.nan_to_num({what}))."
    ).format(what=what, count=len(bad), samples=len(rows), shown=shown, listed=listed,
             hint=hint))


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
    if layers and getattr(layers[0], "accepts_text", False):  # TextVectorization first
        text = data_module.as_text_array(x)
        if text is not None:
            return _text_inputs(text, single_sample, expected, layers[0], what)
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
        if not getattr(model, "uses_call", False):  # a subclassed model's call may reshape
            _check_unbuilt(layers, x, what)  # first: x = tf.reshape(x, [-1, 784])
    elif not fits(x.shape[1:], tuple(expected)):
        adjusted = _adjust_rank(x, tuple(expected))
        if adjusted is None:
            raise _mismatch(layers, x, tuple(expected), what)
        x = adjusted
    return x


def _adjust_rank(x: np.ndarray, expected: tuple) -> np.ndarray | None:
    """Keras's ``_adjust_input_rank``: a last axis of size 1 that the data lacks is added
    (``(n, 28, 28)`` for ``Input((28, 28, 1))``) and one the model lacks is dropped; None
    when the shapes differ otherwise."""
    if expected and expected[-1] == 1 and fits(x.shape[1:], expected[:-1]):
        return x[..., np.newaxis]
    if x.ndim > 1 and x.shape[-1] == 1 and fits(x.shape[1:-1], expected):
        return x[..., 0]
    return None


def _text_inputs(x: np.ndarray, single_sample: bool, expected: tuple | None, first,
                 what: str) -> np.ndarray:
    """Strings for a layer that reads them (``accepts_text``): one string per sample,
    shape ``(n, 1)`` (or ``(n,)`` for ``Input(shape=())``); nothing to cast or check."""
    if x.ndim == 0 or (single_sample and expected is not None and x.shape == expected):
        x = x.reshape(1, *x.shape)
    if x.ndim == 1 and expected != ():
        x = x[:, np.newaxis]
    if expected is not None and not fits(x.shape[1:], tuple(expected)):
        raise InputError(_("Input 0 of layer {name!r} is incompatible with the data: the "
                           "model was built for strings of shape {expected}, but {what} has "
                           "shape {shape}. Pass one string per sample, e.g. an array of "
                           "shape (n,) or (n, 1).").format(
                               name=first.name, expected=_shape(tuple(expected)), what=what,
                               shape=x.shape))
    return x


def fits(shape: tuple, expected: tuple) -> bool:
    """Whether a sample of ``shape`` fits ``expected``, where None (a sequence's length,
    ``Input(shape=(None,))``) takes any size."""
    return len(shape) == len(expected) and all(
        e is None or s == e for s, e in zip(shape, expected))


def _check_unbuilt(layers: list, x: np.ndarray, what: str) -> None:
    if not layers:  # a subclassed model with weights of its own only
        return
    first = layers[0]
    if type(first).__name__ == "Dense" and x.ndim > 2:
        sample = "x".join(map(str, x.shape[1:]))
        n = math.prod(x.shape[1:])
        raise InputError(_(
            "Dense layer {name!r} comes first: it would act on the last axis of each "
            "sample only, but {what} has shape {shape}: each sample is a "
            "{sample} grid. Add Flatten() before it, e.g. Sequential([Flatten(), "
            "Dense(...), ...]), or start the model with Input(shape={sample_shape}) followed by "
            "Flatten(). Or reshape the data: {what} = {what}.reshape(len({what}), {n})."
        ).format(name=first.name, what=what, shape=x.shape, sample=sample,
                 sample_shape=x.shape[1:], n=n))


def _mismatch(layers: list, x: np.ndarray, expected: tuple, what: str) -> InputError:
    first = layers[0] if layers else None
    name = "input" if first is None else first.name
    head = _("Input 0 of layer {name!r} is incompatible with the data: the model was "
             "built for inputs of shape {expected}").format(name=name, expected=_shape(expected))
    dims = ", ".join(map(str, expected))
    if None in expected:  # a sequence of any length: only the number of axes can differ
        return InputError(_(
            "{head} (None: any number of steps), but {what} has shape {shape}. Pass one "
            "sequence per sample, padded to one length, e.g. with "
            "glassnet.utils.pad_sequences."
        ).format(head=head, what=what, shape=x.shape))
    if x.shape == expected:
        return InputError(_(
            "{head}, and {what} has shape {shape}, the shape of one sample without the batch "
            "dimension. Add it: {what}.reshape(1, {dims}) or {what}[np.newaxis]."
        ).format(head=head, what=what, shape=x.shape, dims=dims))
    if x.ndim == 1:
        return InputError(_(
            "{head}, but {what} has shape {shape}: one number per sample. Give each sample "
            "{size} values, shape (n, {dims})."
        ).format(head=head, what=what, shape=x.shape, size=math.prod(expected), dims=dims))
    got = x.shape[1:]
    if math.prod(got) == math.prod(expected):
        fix = _("The sizes agree ({got} = {expected} = {size} values per sample): reshape the "
                "data with {what} = {what}.reshape(len({what}), {dims})").format(
            got="x".join(map(str, got)), expected="x".join(map(str, expected)),
            size=math.prod(expected), what=what, dims=dims)
        if len(expected) == 1:
            fix += _(", or build the model for {got} samples: Input(shape={got}) then "
                     "Flatten()").format(got=got)
        return InputError(_("{head}, but {what} has shape {shape}. {fix}.").format(
            head=head, what=what, shape=x.shape, fix=fix))
    if len(got) == len(expected) == 1:
        return InputError(_(
            "{head}: {expected} features per sample, but {what} has {got} features "
            "(shape {shape}). Pass data with {expected} features, or build a new model "
            "for {got} (a model keeps the input size of its first fit or its input_shape=)."
        ).format(head=head, expected=expected[0], what=what, got=got[0], shape=x.shape))
    return InputError(_(
        "{head}, but {what} has shape {shape}, i.e. samples of shape {got}. Pass samples "
        "of shape {expected}, or build a new model for {got}."
    ).format(head=head, what=what, shape=x.shape, got=got, expected=expected))


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
        warnings.warn(_(
            "The inputs range from {lo:g} to {hi:g}, like raw pixel values, and go straight "
            "into Dense layer {name!r}. Large inputs make the first steps huge and "
            "training slow or unstable: scale them to [0, 1] first, e.g. x = x / 255.0 "
            "(and the same for the test data).").format(lo=lo, hi=hi, name=first.name),
            UserWarning, stacklevel=6)


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
        if len(out) >= 2 and _per_step_labels(arr, out):  # (batch, T) labels, one per step
            labels = _sparse(arr.reshape(-1), last, out[-1], what)
            return labels.reshape(arr.shape[:len(out)])
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


def _per_step_labels(y: np.ndarray, out: tuple) -> bool:
    """Whether ``y`` holds one label per step of an output of shape ``out`` (T, ..., k):
    ``(batch, T, ...)`` or ``(batch, T, ..., 1)``, as Keras takes them."""
    steps = tuple(out[:-1])
    shape = y.shape[1:]
    if len(shape) == len(steps) + 1 and shape[-1] == 1:
        shape = shape[:-1]
    return len(shape) == len(steps) and all(s is None or s == n for s, n in zip(steps, shape))


def _sparse(y: np.ndarray, last, units, what: str) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] > 1:
        looks = _("looks one-hot") if y.shape[1] == units else _("has several columns")
        raise InputError(_(
            "{what} has shape {shape} and {looks}, but loss 'sparse_categorical_crossentropy' "
            "wants one integer class label per sample, shape ({n},). Either use "
            "loss='categorical_crossentropy' with one-hot labels, or turn them into integers: "
            "{what} = {what}.argmax(axis=1)."
        ).format(what=what, shape=y.shape, looks=looks, n=len(y)))
    if y.ndim > 2:
        raise InputError(_("{what} has shape {shape}; sparse_categorical_crossentropy wants one "
                           "integer label per sample, shape ({n},).").format(
            what=what, shape=y.shape, n=len(y)))
    if y.dtype.kind == "f":
        frac = np.flatnonzero(y.reshape(-1) != np.round(y.reshape(-1)))
        if frac.size:
            i = int(frac[0])
            raise InputError(_(
                "{what} must hold whole-number class labels for "
                "sparse_categorical_crossentropy, but {what}[{i}] = {value} "
                "({count} such value(s)). For probabilities or one-hot rows use "
                "loss='categorical_crossentropy'; for regression use loss='mse'."
            ).format(what=what, i=i, value=y.reshape(-1)[i], count=frac.size))
    lo, hi = _minmax(y)
    if units is not None and units == 1:
        raise InputError(_(
            "The last layer {name!r} has 1 unit, but sparse_categorical_crossentropy needs "
            "one unit per class. For two classes use Dense(1, activation='sigmoid') with "
            "loss='binary_crossentropy', or Dense(2, activation='softmax'); for k classes "
            "Dense(k, activation='softmax')."
        ).format(name=last.name))
    if units is not None and (lo < 0 or hi >= units):
        bad = int(hi) if hi >= units else int(lo)
        i = int(np.flatnonzero(y.reshape(-1) == bad)[0])
        msg = _("Received a label value of {bad} (at {what}[{i}]) which is outside the valid "
                "range of [0, {units}): the last layer {name!r} has {units} units, one "
                "per class, and labels must be 0 to {top}.").format(
            bad=bad, what=what, i=i, units=units, name=last.name, top=units - 1)
        if lo == 1 and hi == units:
            msg += _(" Your labels run from 1 to {units}: they start at 1. Subtract 1: "
                     "{what} = {what} - 1.").format(units=units, what=what)
        elif hi >= units:
            msg += _(" If there are {k} classes, give the last layer "
                     "{k} units: Dense({k}, activation='softmax').").format(k=int(hi) + 1)
        else:
            msg += _(" Class labels cannot be negative: map them to 0, 1, 2, ...")
        raise InputError(msg)
    return y.astype(np.intp, copy=False)


def _categorical(y: np.ndarray, last, out: tuple, what: str) -> None:
    units = out[-1] if out else None
    if units is not None and units > 1 and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1)):
        raise InputError(_(
            "Shapes {got} and {out} are incompatible: {what} "
            "has shape {shape}, one integer class label per sample, but loss "
            "'categorical_crossentropy' wants one-hot rows of shape ({n}, {units}). Use "
            "loss='sparse_categorical_crossentropy' (integer labels as they are), or convert: "
            "{what} = glassnet.utils.to_categorical({what}, {units})."
        ).format(got=_shape(y.shape[1:] or (1,)), out=_shape(out), what=what, shape=y.shape,
                 n=len(y), units=units))
    _same_shape(y, last, out, what, "categorical_crossentropy")
    lo = _minmax(y)[0]
    if lo < 0:
        raise InputError(_("{what} holds negative values (smallest {lo:g}), but "
                           "categorical_crossentropy needs one-hot rows or probabilities in "
                           "[0, 1].").format(what=what, lo=lo))


def _binary(y: np.ndarray, last, out: tuple, what: str) -> None:
    lo, hi = _minmax(y)
    if lo < 0 or hi > 1:
        values = np.unique(y)
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if values.size > 6 else "")
        msg = _("loss 'binary_crossentropy' needs labels 0 and 1 (or probabilities between), "
                "but {what} holds {shown}.").format(what=what, shown=shown)
        if values.size == 2 and (values == [1, 2]).all():
            fix = _(" The labels start at 1: use {what} = {what} - 1.").format(what=what)
        elif values.size == 2 and (values == [-1, 1]).all():
            fix = _(" Map -1/1 to 0/1: {what} = ({what} + 1) / 2.").format(what=what)
        elif values.size == 2:
            fix = _(" Map them to 0 and 1, e.g. {what} = ({what} == {one:g}).").format(
                what=what, one=values[1])
        elif np.all(values == np.round(values)):
            fix = _(" That looks like {count} classes: use Dense({k}, "
                    "activation='softmax') with loss='sparse_categorical_crossentropy'.").format(
                count=values.size, k=int(hi) + 1)
        else:
            fix = _(" For numbers to predict (regression) use loss='mse'.")
        raise InputError(msg + fix)
    _same_shape(y, last, out, what, "binary_crossentropy")


def _same_shape(y: np.ndarray, last, out: tuple, what: str, loss: str) -> None:
    """``y`` must match the output, ``(n,) + out``; ``(n,)`` also serves one unit."""
    if not out or fits(y.shape[1:], out) or (y.ndim == 1 and out == (1,)):
        return
    units = out[-1]
    if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
        hint = _(" For integer class labels use loss='sparse_categorical_crossentropy'; for "
                 "one number per sample use a last layer of 1 unit.")
    else:
        hint = _(" Give the last layer {k} units, or make {what} match "
                 "({n}, {dims}).").format(k=y.shape[-1], what=what, n=len(y),
                                          dims=", ".join(map(str, out)))
    raise InputError(_(
        "Shapes {got} and {out} are incompatible: {what} has "
        "shape {shape}, but the last layer {name!r} outputs {units} value(s) per sample "
        "(shape {out}) and loss {loss!r} compares them one to one.{hint}"
    ).format(got=_shape(y.shape[1:] or (1,)), out=_shape(out), what=what, shape=y.shape,
             name=last.name, units=units, loss=loss, hint=hint))
