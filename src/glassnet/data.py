"""Turn what the user passes to ``fit``/``evaluate``/``predict`` into arrays.

Everything is checked here, once, before any weight changes: never inside the
per-batch loop.
"""

from __future__ import annotations

import sys

import numpy as np

from . import backend, validation
from ._lazy import attach
from .errors import InputError, InputTypeError
from .i18n import _

# this module is also ``tf.data``: ``tf.data.Dataset`` imports ``dataset`` on first use
__getattr__, __dir__ = attach(__name__, {name: ".dataset" for name in
                                         ("AUTOTUNE", "Dataset", "TextLineDataset",
                                          "experimental")})


def is_dataset(x) -> bool:
    """Whether ``x`` is a ``tf.data.Dataset`` (false, at no cost, before any was made)."""
    dataset = sys.modules.get(__package__ + ".dataset")
    return dataset is not None and isinstance(x, dataset.Dataset)


# -- the one door: fit, evaluate, predict and inspect all come through here ----------
def prepare_inputs(model, x, single_sample: bool = False, training: bool = False,
                   cast: bool = False, check_values: bool = True) -> list[np.ndarray]:
    """``x`` as one checked array per model input (see ``validation.inputs``).

    ``x`` is one array, a list in the order of ``model.inputs``, or a dict keyed by input
    name. An unbuilt ``Sequential`` is built from the shape of ``x``.
    """
    if not model.layers and not getattr(model, "uses_call", False):
        raise InputError(_("The model has no layers: add some first, e.g. "
                           "model.add(glassnet.layers.Dense(10))."))
    check_columns(model.training_columns, x)  # a DataFrame: same columns, same order
    # a subclassed model is ready once it has its graph (its own build may set built)
    ready = model.built and (not model.uses_call or model.graph_or_none is not None)
    if not ready and model.uses_call:  # a subclassed model: call takes x as given
        structure = _shapes_of_structure(x)
        if structure is not None:
            model.build(structure)
            ready = True
    names = model.input_names if ready else ["input"]
    xs = []
    for i, (name, raw) in enumerate(zip(names, as_list(x, names, "x", "input"))):
        what = "x" if len(names) == 1 else f"x[{name!r}]"
        expected, layers = model.input_spec(i) if ready else (None, model.layers)
        xs.append(validation.inputs(model, raw, single_sample, what, training, cast,
                                    check_values, expected, layers))
    if not ready:
        model.build(xs[0].shape[1:])
    for name, arr in zip(names[1:], xs[1:]):
        if len(arr) != len(xs[0]):
            raise InputError(_("The inputs have different numbers of samples: "
                               "{first!r} has {n_first}, {name!r} has {n}. Give "
                               "every input one entry per sample.").format(
                first=names[0], n_first=len(xs[0]), name=name, n=len(arr)))
    return xs


def _shapes_of_structure(x):
    """One sample's shape for each array of a dict or a list of several arrays (the
    inputs of a subclassed model's ``call``); None for one array."""
    if isinstance(x, dict):
        return {k: np.shape(as_array(v, f"x[{k!r}]"))[1:] for k, v in x.items()}
    if isinstance(x, (list, tuple)) and len(x) > 1 and all(hasattr(v, "shape") for v in x):
        return [np.shape(as_array(v, f"x[{i}]"))[1:] for i, v in enumerate(x)]
    return None


def prepare(model, x, y, training: bool = False,
            cast: bool = False) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``x`` and ``y`` checked against the model, its outputs and their losses: one array
    per input and one per output (``y`` in the same forms as ``x``)."""
    if training:
        model.training_columns = column_names(x)
    fresh = [] if model.built else [layer for layer in model.layers if not layer.built]
    xs = prepare_inputs(model, x, training=training, cast=cast)
    try:
        return xs, _targets(model, y, xs)
    except Exception:
        if fresh:  # built for this x just now: a refused fit leaves the model as it was
            model.unbuild(fresh)
        raise


def prepare_free(x, y) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``x`` and ``y`` (optional) as lists of arrays with one entry per sample, for a model
    whose own ``train_step`` decides what they mean (nothing to check them against)."""
    def arrays(data, what):
        if isinstance(data, (list, tuple)) and data and all(hasattr(d, "shape") for d in data):
            return [as_array(d, f"{what}[{i}]") for i, d in enumerate(data)]
        if isinstance(data, dict):
            raise InputError(_("fit on a model with only a train_step takes {what} as an "
                               "array or a list of arrays, not a dict.").format(what=what))
        return [as_array(data, what)]
    xs = arrays(x, "x")
    ys = [] if y is None else arrays(y, "y")
    for what, a in [*((f"x[{i}]", a) for i, a in enumerate(xs)),
                    *((f"y[{i}]", a) for i, a in enumerate(ys))]:
        if len(a) != len(xs[0]):
            raise InputError(_("{what} has {n} samples, but x has {n_x}: give one entry per "
                               "sample.").format(what=what, n=len(a), n_x=len(xs[0])))
    return xs, ys


def _targets(model, y, xs: list[np.ndarray]) -> list[np.ndarray]:
    outputs = model.compiled_outputs()
    names = [o.name for o in outputs]
    optional = {o.name for o in outputs if o.loss is None}
    ys = []
    for o, raw in zip(outputs, as_list(y, names, "y", "output", optional)):
        what = "y" if len(names) == 1 else f"y[{o.name!r}]"
        if raw is None and o.name in optional:
            ys.append(np.zeros(len(xs[0]), backend.floatx()))  # no loss reads it
            continue
        ys.append(validation.targets(raw, xs[0], o.loss, o.layer, o.shape[1:], what))
    return ys


def sample_weights(sample_weight, class_weight, ys: list[np.ndarray], n: int):
    """One weight per sample (float32), from ``fit``'s ``sample_weight`` or ``class_weight``
    (``{class: weight}``, read from integer labels or one-hot rows); None without either."""
    if sample_weight is not None and class_weight is not None:
        raise InputError(_("fit got both sample_weight and class_weight: give one of them."))
    if sample_weight is not None:
        w = as_array(sample_weight, "sample_weight").astype(backend.floatx())
        if w.shape == (n, 1):  # a column, as the keras.io guides make it
            w = w[:, 0]
        if w.ndim == 2 and len(ys) == 1 and _per_step_targets(ys[0]) and \
                w.shape == ys[0].shape[:2]:
            return w  # one weight per time step of a sequence output (batch, T)
        if w.shape != (n,):
            raise InputError(_("sample_weight has shape {shape}, but there are {n} samples: "
                               "give one weight per sample, shape ({n},), or for a sequence "
                               "output one per step, shape ({n}, steps).").format(
                shape=w.shape, n=n))
        return w
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict) or len(ys) != 1:
        raise InputError(_("class_weight must be a dict {{class: weight}}, for a model with "
                           "one output, e.g. class_weight={{0: 1.0, 1: 5.0}}.").format())
    y = ys[0]
    labels = y.argmax(axis=-1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))
    labels = labels.astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(int(k) for k in class_weight))
    if missing:
        raise InputError(_("class_weight has no weight for class(es) {missing}; give every "
                           "class that occurs in y a weight (got keys {keys}).").format(
            missing=missing, keys=sorted(class_weight)))
    table = np.zeros(int(labels.max()) + 1, backend.floatx())
    for k, v in class_weight.items():
        if 0 <= int(k) < len(table):
            table[int(k)] = float(v)
    return table[labels]


def _per_step_targets(y: np.ndarray) -> bool:
    """Targets with a time axis: ``(batch, T, k)``, or ``(batch, T)`` class labels."""
    return y.ndim >= 3 or (y.ndim == 2 and y.dtype.kind in "iu")


def as_list(data, names: list[str], what: str, kind: str, optional=frozenset()) -> list:
    """``data`` for ``len(names)`` inputs (or outputs) as a list in their order: from one
    array, a list or tuple, or a dict keyed by name."""
    n = len(names)
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        missing = [k for k in names if k not in data and k not in optional]
        if unknown and not missing:  # Keras ignores keys beyond the inputs (e.g. a label
            # column left in a DataFrame's dict); a misspelt key leaves an input missing
            import warnings

            warnings.warn(_("{what} is a dict with key(s) {unknown} that match no {kind} of "
                            "the model; they are ignored, as Keras does.").format(
                                what=what, unknown=unknown, kind=kind), stacklevel=4)
        elif unknown:
            raise InputError(_(
                "{what} is a dict whose key(s) {unknown} name no {kind} of the model. The "
                "model's {kind}s are {names}: use those names as keys (model.{kind}_names)."
            ).format(what=what, unknown=unknown, kind=kind, names=names))
        if missing:
            raise InputError(_("{what} is a dict without the {kind}(s) {missing}. The model's "
                               "{kind}s are {names}: give an array for each.").format(
                what=what, kind=kind, missing=missing, names=names))
        return [data.get(k) for k in names]
    if n == 1:
        if isinstance(data, (list, tuple)) and len(data) == 1 and hasattr(data[0], "shape"):
            return [data[0]]  # [x] for a one-input model, as Keras accepts
        return [data]
    if isinstance(data, (list, tuple)) and len(data) == n and all(
            hasattr(d, "__len__") for d in data):
        return list(data)
    got = (_("a list of {n}").format(n=len(data)) if isinstance(data, (list, tuple))
           else _("one {type}").format(type=type(data).__name__))
    raise InputError(_(
        "The model has {n} {kind}s {names}, so {what} must be a list of {n} arrays in that "
        "order, or a dict {{name: array}}; got {got}.").format(
        n=n, kind=kind, names=names, what=what, got=got))


def as_array(data, what: str) -> np.ndarray:
    """``data`` as a NumPy array of numbers, or a clear error saying why not."""
    if data is None:
        raise InputError(_("{what} is missing: pass an array.").format(what=what))
    if hasattr(data, "to_numpy") and hasattr(data, "dtypes"):  # pandas DataFrame or Series
        data = pandas_to_numpy(data, what)
    try:
        arr = np.asarray(data)
    except ValueError as err:  # ragged nested lists
        raise InputTypeError(_(
            "{what} could not be turned into an array ({err}).{ragged} Every sample "
            "must have the same shape: pad or crop ragged lists first."
        ).format(what=what, err=err, ragged=_ragged(data))) from None
    if arr.dtype == object:
        raise InputTypeError(_(
            "{what} is an object array (mixed types or ragged rows), shape {shape}. "
            "Pass numbers only, every sample with the same shape."
        ).format(what=what, shape=arr.shape))
    if np.iscomplexobj(arr):
        raise InputTypeError(_("{what} holds complex numbers ({dtype}); pass real numbers, "
                               "e.g. np.abs({what}) or {what}.real.").format(
            what=what, dtype=arr.dtype))
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputTypeError(_(
            "{what} holds {dtype} values, not numbers. Convert them to numbers first "
            "(for class names, map each name to an integer label)."
        ).format(what=what, dtype=arr.dtype))
    if arr.ndim == 0:
        raise InputError(_("{what} is a single number ({value!r}), not an array of samples. "
                           "Pass one entry per sample, e.g. np.array([{value!r}]).").format(
            what=what, value=arr.item()))
    if arr.size == 0:
        raise InputError(_("{what} is empty (shape {shape}): there is nothing to compute "
                           "on.").format(what=what, shape=arr.shape))
    return arr


def as_text_array(data) -> np.ndarray | None:
    """``data`` as a NumPy ``str`` array when it holds strings (a list, an array, a string
    tensor, a pandas column; ``bytes`` decoded as UTF-8), else None."""
    from .tensor import Tensor

    if isinstance(data, Tensor):
        data = data.array
    if hasattr(data, "to_numpy") and hasattr(data, "dtype"):  # a pandas Series
        data = data.to_numpy()
    try:
        arr = np.asarray(data)
    except ValueError:  # ragged lists: not text for a layer either
        return None
    if arr.dtype.kind == "U":
        return arr
    if arr.dtype.kind not in "SO" or arr.size == 0:
        return None
    flat = arr.reshape(-1).tolist()
    if not all(isinstance(v, (str, bytes)) for v in flat):
        return None
    return np.array([as_text(v) for v in flat], dtype=str).reshape(arr.shape)


def as_text(value) -> str:
    """One string: ``bytes`` decoded as UTF-8, as TensorFlow's strings are."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _ragged(data) -> str:
    """`` Rows have lengths 3 and 4.`` for a ragged list, else ``""``."""
    try:
        lengths = sorted({len(row) for row in list(data)[:10000]})
    except TypeError:
        return ""
    if len(lengths) < 2:
        return ""
    shown = ", ".join(map(str, lengths[:5])) + (", ..." if len(lengths) > 5 else "")
    return _(" Its rows have different lengths: {shown}.").format(shown=shown)


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
            raise InputTypeError(_(
                "{what} has non-numeric columns: {names}. Turn them into numbers first, "
                "e.g. pandas.get_dummies({what}, columns={cols!r}) for categories, or drop "
                "them with {what}.drop(columns={cols!r})."
            ).format(what=what, names=names, cols=cols))
    elif not (is_numeric_dtype(data.dtype) or is_bool_dtype(data.dtype)):  # Series
        label = f" (Series {data.name!r})" if data.name is not None else ""
        raise InputTypeError(_(
            "{what}{label} holds {dtype} values, not numbers. Convert them first: for "
            "class names, {what}.astype('category').cat.codes gives integer labels."
        ).format(what=what, label=label, dtype=data.dtype))
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
        raise InputError(_(
            "{what} has the training columns in a different order: {got!r}, but the model "
            "was trained on {expected!r}. Reorder them: {what}[{expected!r}]."
        ).format(what=what, got=got, expected=expected))
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    raise InputError(_(
        "{what} has different columns from the training data: missing {missing!r}, "
        "unexpected {extra!r}. The model was trained on {expected!r}."
    ).format(what=what, missing=missing, extra=extra, expected=expected))


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
            raise InputError(_(
                "{what} must hold whole-number class labels for "
                "sparse_categorical_crossentropy, but it has fractional or non-finite values."
            ).format(what=what))
        return arr.astype(np.intp)
    return np.ascontiguousarray(arr, dtype=backend.floatx())


def check_same_length(x: np.ndarray, y: np.ndarray) -> None:
    if len(x) != len(y):
        raise InputError(_(
            "x and y have different numbers of samples: x has {n_x} (shape {x_shape}) and "
            "y has {n_y} (shape {y_shape}). Give one label per sample."
        ).format(n_x=len(x), x_shape=x.shape, n_y=len(y), y_shape=y.shape))
