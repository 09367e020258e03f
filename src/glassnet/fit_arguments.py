"""Keras-style checks of the arguments a beginner gets wrong in ``compile`` and ``fit``.

Each one either keeps Keras's behaviour and adds a warning (``epochs=0`` trains nothing,
as in Keras; a softmax output with ``from_logits=True``, which Keras warns about too; a
loss that exploded), or turns Keras's accidental error into one that names the argument
and the fix (``epochs='5'``, ``verbose='loud'``, ``validation_data=x_test``,
``callbacks=[print]``), keeping the exception's type.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .i18n import _


class DivergenceWarning(RuntimeWarning):
    """``fit`` ended with a loss far above where it started or far above chance: the
    learning rate is almost certainly too large."""


def epochs(value, initial_epoch: int = 0) -> int:
    """``fit``'s ``epochs``: a whole number. ``epochs <= initial_epoch`` trains nothing,
    as in Keras, with a warning."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        hint = "epochs=5"  # code, the same in every language
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            hint = f"epochs={int(value)}"
        elif isinstance(value, (float, np.floating)) and math.isfinite(value):
            hint = f"epochs={math.floor(value)}, epochs={math.ceil(value)}"
        raise TypeError(_("fit(epochs={value!r}): epochs is the number of passes over the "
                          "data, a whole number (int), not {type}. Write {hint}.").format(
            value=value, type=type(value).__name__, hint=hint))
    if value <= initial_epoch:
        warnings.warn(_("fit(epochs={epochs}, initial_epoch={initial}) trains for no epoch: "
                        "the weights do not change and History.history is empty. epochs "
                        "counts the passes over the data, e.g. epochs=5.").format(
            epochs=value, initial=initial_epoch), UserWarning, stacklevel=3)
    return int(value)


def verbose(value):
    """``verbose`` of fit, evaluate and predict: ``"auto"``, 0 (silent), 1 (a progress bar)
    or 2 (one line per epoch)."""
    if value == "auto" and isinstance(value, str):
        return value
    if isinstance(value, (bool, int, np.integer)) and value >= 0:
        return int(value)
    raise ValueError(_("verbose={value!r}: use verbose='auto', 0 (silent), 1 (a progress "
                       "bar) or 2 (one line per epoch).").format(value=value))


def validation_data(value):
    """``(x_val, y_val)`` or ``(x_val, y_val, sample_weight)``, as a tuple or a list."""
    if value is None or isinstance(value, tuple) and len(value) in (2, 3):
        return value
    if isinstance(value, list) and len(value) in (2, 3):
        return tuple(value)
    if isinstance(value, (tuple, list)):
        got = _("a {type} of {n} item(s)").format(type=type(value).__name__, n=len(value))
    else:
        shape = getattr(value, "shape", None)
        got = (_("one array of shape {shape}").format(shape=tuple(shape)) if shape is not None
               else type(value).__name__)
    raise ValueError(_("validation_data must be a pair (x_val, y_val): the inputs and their "
                       "labels, e.g. validation_data=(x_test, y_test). It got {got}.").format(
        got=got))


def callbacks(value) -> list:
    """A list of ``Callback`` objects (one ``Callback`` alone is accepted, as in Keras)."""
    if value is None:
        return []
    if hasattr(value, "set_model") and hasattr(value, "set_params"):
        return [value]
    for item in value:
        if not (hasattr(item, "set_model") and hasattr(item, "set_params")):
            name = getattr(item, "__name__", None) or type(item).__name__
            raise TypeError(_(
                "callbacks holds {name}, which is not a Callback: each item must be a "
                "Callback object, e.g. tf.keras.callbacks.EarlyStopping(patience=2). To call "
                "a function after each epoch, wrap it: tf.keras.callbacks.LambdaCallback("
                "on_epoch_end=lambda epoch, logs: print(epoch, logs)).").format(name=name))
    return list(value)


def learning_rate(value: float, who: str) -> float:
    """A step size: a number, 0 or more (0 freezes the weights, as in Keras)."""
    value = float(value)
    if not 0 <= value < math.inf:
        raise ValueError(_("{who}(learning_rate={value}): the learning rate is the size of "
                           "each step downhill and must be a positive number, e.g. "
                           "learning_rate=0.001.").format(who=who, value=value))
    return value


def warn_logits(loss, layer) -> None:
    """Keras's warning: ``from_logits=True`` on an output that already went through softmax
    (or sigmoid) holds probabilities, not logits."""
    activation = getattr(getattr(layer, "activation", None), "name", None)
    if not getattr(loss, "from_logits", False) or activation not in ("softmax", "sigmoid"):
        return
    name = getattr(loss, "name", None) or type(loss).__name__
    warnings.warn(_(
        "{loss} received from_logits=True, but the output of layer {layer!r} is produced by "
        "a {activation} activation and thus does not represent logits. Was this intended? "
        "Either keep from_logits=True and give the last layer no activation "
        "(Dense(units)), or use from_logits=False.").format(
        loss=name, layer=getattr(layer, "name", "?"), activation=activation),
        UserWarning, stacklevel=4)


#: The loss grew this many times over its lowest epoch value, or ended this many times
#: above chance for a classifier: training diverged. Both are far from what a slow or
#: clumsy but working run gives (raw 0-255 pixels at Adam's default rate ended an epoch
#: 60-110 times above chance in a test, and they get their own warning).
GROWTH = 100.0
ABOVE_CHANCE = 1000.0


def warn_if_diverged(losses: list[float], classes: int | None, optimizer) -> None:
    """Warn after ``fit`` when the loss exploded: an epoch's loss ``GROWTH`` times its
    lowest one, or a cross-entropy ``ABOVE_CHANCE`` times that of guessing, ``log(C)``
    (``classes``: ``C`` for a cross-entropy loss, else ``None``)."""
    finite = [v for v in losses if math.isfinite(v)]
    if not finite:
        return
    last, low = finite[-1], min(finite)
    chance = math.log(max(classes, 2)) if classes else None
    if not (last > GROWTH * max(low, 1e-12) and last > 1.0
            or chance is not None and last > ABOVE_CHANCE * chance):
        return
    rate = getattr(optimizer, "learning_rate", None)
    warnings.warn(_(
        "The training loss ended at {last:.3g}{chance}: training diverged, and the model has "
        "learned nothing useful. The learning rate ({rate}) is almost certainly too large: "
        "divide it by 10 until the loss goes down (Adam's default is 0.001).").format(
        last=last, rate=f"{float(rate):g}" if rate is not None else "?",
        chance=_(", far above {chance:.3g}, the loss of guessing among {classes} "
                 "classes").format(chance=chance, classes=classes) if chance else ""),
        DivergenceWarning, stacklevel=4)


def after_fit(model, history) -> None:
    """The checks on a finished ``fit``: a diverged loss."""
    outputs = getattr(model.compiled, "outputs", None) or []
    classes = None
    if len(outputs) == 1 and "crossentropy" in type(outputs[0].loss).__name__.lower():
        units = outputs[0].shape[-1] if outputs[0].shape else None
        classes = 2 if units in (None, 1) else int(units)
    warn_if_diverged(list(history.history.get("loss", [])), classes, model.optimizer)
