"""Metrics: numbers reported during training that the optimizer does not minimise.

A metric is a running mean over the samples seen so far in an epoch:
``update_state(y, ŷ)`` adds a batch, ``result()`` reads the mean. ``"accuracy"``
is resolved from the loss and output shape as Keras does.
"""

from __future__ import annotations

import numpy as np

from .errors import unknown_name


class Metric:
    """Base class: subclasses define ``values(y, ŷ)``, one value per sample."""

    name = "metric"

    def __init__(self, name: str | None = None) -> None:
        if name:
            self.name = name
        self.reset_state()

    def values(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def update_state(self, y, y_pred) -> None:
        v = self.values(np.asarray(y), np.asarray(y_pred))
        self.total += float(v.sum())
        self.count += v.size

    def result(self) -> float:
        return self.total / self.count if self.count else 0.0

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0

    def __call__(self, y, y_pred) -> float:
        return float(np.mean(self.values(np.asarray(y), np.asarray(y_pred))))


class SparseCategoricalAccuracy(Metric):
    """Share of samples whose largest output is at the integer label: ``argmax ŷ == y``."""

    name = "sparse_categorical_accuracy"

    def values(self, y, y_pred):
        return y_pred.argmax(axis=-1) == y.reshape(y_pred.shape[:-1])


class CategoricalAccuracy(Metric):
    """``argmax ŷ == argmax y`` for one-hot labels."""

    name = "categorical_accuracy"

    def values(self, y, y_pred):
        return y_pred.argmax(axis=-1) == y.argmax(axis=-1)


class BinaryAccuracy(Metric):
    """``(ŷ > threshold) == y`` element-wise, threshold 0.5."""

    name = "binary_accuracy"

    def __init__(self, name: str | None = None, threshold: float = 0.5) -> None:
        super().__init__(name)
        self.threshold = threshold

    def values(self, y, y_pred):
        return (y_pred > self.threshold) == (y.reshape(y_pred.shape) > 0.5)


class MeanSquaredError(Metric):
    """``(ŷ - y)²`` averaged over all elements."""

    name = "mean_squared_error"

    def values(self, y, y_pred):
        return np.square(y_pred - y.reshape(y_pred.shape)).mean(axis=-1)


class MeanAbsoluteError(Metric):
    """``|ŷ - y|`` averaged over all elements."""

    name = "mean_absolute_error"

    def values(self, y, y_pred):
        return np.abs(y_pred - y.reshape(y_pred.shape)).mean(axis=-1)


_CLASSES = {cls.name: cls for cls in (SparseCategoricalAccuracy, CategoricalAccuracy,
                                      BinaryAccuracy, MeanSquaredError, MeanAbsoluteError)}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error"}
NAMES = [*_CLASSES, *_ALIASES, "accuracy", "acc"]


def get(identifier, loss=None, output_units: int | None = None) -> Metric:
    """Resolve a metric. ``"accuracy"`` becomes binary, sparse categorical or
    categorical accuracy depending on the loss and the number of output units,
    and keeps the name the user wrote (``accuracy`` or ``acc``) for History keys."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if not isinstance(identifier, str):
        raise TypeError(f"metric must be a name such as 'accuracy', got {identifier!r}.")
    key = identifier.lower()
    if key in ("accuracy", "acc"):
        loss_name = getattr(loss, "name", "")
        if loss_name == "binary_crossentropy" or output_units == 1:
            return BinaryAccuracy(name=identifier)
        if loss_name == "sparse_categorical_crossentropy":
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    if key in _ALIASES:
        return _CLASSES[_ALIASES[key]](name=identifier)
    if key in _CLASSES:
        return _CLASSES[key]()
    raise unknown_name("metric", identifier, NAMES)
