"""Metrics: numbers reported during training that the optimizer does not minimise.

A metric accumulates over the batches of an epoch, with Keras's three methods:
``update_state(y, ŷ, sample_weight=None)`` adds a batch, ``result()`` reads the value,
``reset_state()`` starts again. Most are a (weighted) running mean of one value per
sample, ``Σ wᵢ vᵢ / Σ wᵢ``; ``Precision``, ``Recall`` and ``AUC`` count true and false
positives instead. ``"accuracy"`` is resolved from the loss and output shape as Keras
does. The functions (``categorical_accuracy``, ``mean_squared_error``, ...) return one
value per sample, as Keras's do, and can be passed to ``compile(metrics=[...])`` too.
"""

from __future__ import annotations

import numpy as np

from .errors import unknown_name
from .i18n import _

# Keras's function forms, shared with the losses (keras.metrics.mean_squared_error etc.)
from .losses import (  # noqa: F401  (re-exported)
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
    weights_like,
)
from .tensor import Tensor


# -- per-sample functions -----------------------------------------------------------------
def _labels(y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Integer labels of shape ``(batch,)`` (``(batch, 1)`` is accepted, as Keras)."""
    return np.asarray(y).reshape(y_pred.shape[:-1])


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """``1.0`` where ``argmax ŷ == y`` (integer labels), else ``0.0``, per sample."""
    y_pred = np.asarray(y_pred)
    return (y_pred.argmax(axis=-1) == _labels(y_true, y_pred)).astype(np.float32)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """``1.0`` where ``argmax ŷ == argmax y`` (one-hot labels), per sample."""
    return (np.argmax(y_pred, axis=-1) == np.argmax(y_true, axis=-1)).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    """Share of the entries of each sample where ``(ŷ > threshold) == y``."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).reshape(y_pred.shape)
    return np.mean((y_pred > threshold) == (y_true > 0.5), axis=-1, dtype=np.float32)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> np.ndarray:
    """``1.0`` where the label is among the ``k`` largest outputs, per sample."""
    y_pred = np.asarray(y_pred)
    y = _labels(y_true, y_pred).astype(np.intp)
    # the label's score beaten by fewer than k others (ties count for the label, as in_top_k)
    own = np.take_along_axis(y_pred, y[..., None], axis=-1)
    return ((y_pred > own).sum(axis=-1) < k).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> np.ndarray:
    """``1.0`` where ``argmax y`` is among the ``k`` largest outputs, per sample."""
    return sparse_top_k_categorical_accuracy(np.argmax(y_true, axis=-1), y_pred, k)


def accuracy(y_true, y_pred) -> np.ndarray:
    """Share of the entries of each sample where ``ŷ == y`` exactly."""
    y_pred = np.asarray(y_pred)
    return np.mean(np.asarray(y_true).reshape(y_pred.shape) == y_pred, axis=-1,
                   dtype=np.float32)


# -- the running mean and its subclasses ---------------------------------------------------
def _weights(sample_weight, values: np.ndarray) -> np.ndarray | None:
    return None if sample_weight is None else weights_like(sample_weight, values)


class Metric:
    """Base class: the weighted mean of ``values(y, ŷ)``, one value per sample
    (Keras's ``MeanMetricWrapper``). Subclasses define ``values``."""

    name = "metric"
    dtype = "float32"

    def __init__(self, name: str | None = None, dtype=None, **kwargs) -> None:
        if name:
            self.name = name
        if dtype is not None:
            self.dtype = np.dtype(dtype).name
        if type(self).__module__ == __name__:
            self.reset_state()
        else:  # a metric of your own: its weights come after this, in its __init__
            Metric.reset_state(self)

    def add_weight(self, name: str | None = None, shape=(), initializer="zeros", dtype=None,
                   **kwargs):
        """A state variable for a metric of your own (Keras's ``Metric.add_weight``):
        change it with ``assign``/``assign_add``; ``reset_state`` puts it back."""
        from . import initializers
        from .tensor import Variable

        start = np.asarray(initializers.get(initializer)(tuple(shape), np.float32))
        variable = Variable(start.copy(), trainable=False, name=name)
        vars(self).setdefault("_state_variables", []).append((variable, start))
        return variable

    def values(self, y: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        self._add(self.values(np.asarray(y), np.asarray(y_pred)), sample_weight)

    def _add(self, v: np.ndarray, sample_weight) -> None:
        """``total += Σ w v``, ``count += Σ w`` (``w = 1`` without sample weights)."""
        v = np.asarray(v)
        w = _weights(sample_weight, v)
        if w is None:
            self._total += float(v.sum())
            self._count += v.size
        else:
            self._total += float((v * w).sum())
            self._count += float(w.sum())

    def float_result(self) -> float:
        """The value as a Python float (what ``fit`` logs)."""
        return self._total / self._count if self._count else 0.0

    def result(self) -> Tensor:
        """The value as a scalar float32 tensor, as Keras gives (``m.result().numpy()``)."""
        return Tensor(np.asarray(self.float_result(), np.float32))

    def reset_state(self) -> None:
        self._total, self._count = 0.0, 0  # private: a metric of yours may say self.total
        for variable, start in vars(self).get("_state_variables", []):
            variable.assign(start)

    def reset_states(self) -> None:
        """Keras 2's name of ``reset_state``."""
        self.reset_state()

    # -- Keras 3's stateless API: the state as a list of variables, passed in and out -----
    state_names: tuple[str, ...] = ("_total", "_count")  # the attributes holding the state

    @property
    def variables(self) -> list:
        """The running state as ``Variable``s (copies): ``total`` and ``count`` (or the
        metric's own counts), then the weights of ``add_weight``."""
        from .tensor import Variable

        names = self.state_names if type(self).__module__ == __name__ else ()  # yours: none
        own = [Variable(np.array(getattr(self, k), np.float64), trainable=False,
                        name=k.lstrip("_")) for k in names]
        return own + [v for v, _ in vars(self).get("_state_variables", [])]

    def _state(self) -> list[np.ndarray]:
        return [np.array(v) for v in self.variables]

    def _set_state(self, values) -> None:
        values = [np.asarray(v) for v in values]
        names = self.state_names if type(self).__module__ == __name__ else ()
        n = len(names)
        for k, v in zip(names, values[:n]):
            setattr(self, k, v.copy() if v.ndim else float(v))
        for (variable, _start), v in zip(vars(self).get("_state_variables", []), values[n:]):
            variable.assign(v)

    def _stateless(self, values, fn):
        """Run ``fn()`` on the state ``values``; the metric's own state is left as it was."""
        saved = self._state()
        self._set_state(values)
        try:
            return fn()
        finally:
            self._set_state(saved)

    def stateless_update_state(self, metric_variables, y, y_pred, sample_weight=None) -> list:
        """The state after ``update_state(y, y_pred)`` from ``metric_variables``, returned
        as new variables (the metric itself does not change)."""
        def update():
            self.update_state(y, y_pred, sample_weight)
            return self.variables
        return self._stateless(metric_variables, update)

    def stateless_result(self, metric_variables):
        """``result()`` of the state ``metric_variables``."""
        return self._stateless(metric_variables, self.result)

    def stateless_reset_state(self) -> list:
        """The state right after ``reset_state()``, as new variables."""
        def reset():
            self.reset_state()
            return self.variables
        return self._stateless(self._state(), reset)

    def __call__(self, y, y_pred, sample_weight=None) -> float:
        """Keras's ``metric(y, ŷ)``: ``update_state`` with this batch, then ``result()``, the
        running value over every batch since the last ``reset_state``."""
        self.update_state(y, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<metric {self.name}>"


class Mean(Metric):
    """The weighted mean of the values given: ``update_state(values, sample_weight=None)``.

    Keras's example: ``update_state([1, 3, 5, 7])`` gives 4.0; with
    ``sample_weight=[1, 1, 0, 0]``, 2.0.
    """

    name = "mean"

    def update_state(self, values, sample_weight=None) -> None:  # type: ignore[override]
        self._add(np.asarray(values, dtype=np.float64), sample_weight)

    def __call__(self, values, sample_weight=None) -> float:  # type: ignore[override]
        self.update_state(values, sample_weight)
        return self.result()


class Sum(Mean):
    """The weighted sum of the values given. Keras's example: ``[1, 3, 5, 7]`` gives 16."""

    name = "sum"

    def float_result(self) -> float:
        return self._total


class MeanMetricWrapper(Metric):
    """The running mean of ``fn(y, ŷ, **kwargs)`` (a function with one value per sample);
    how a function in ``compile(metrics=[...])`` is reported."""

    def __init__(self, fn, name: str | None = None, **kwargs) -> None:
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", "metric"))

    def values(self, y, y_pred):
        return self.fn(y, y_pred, **self.kwargs)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose largest output is at the integer label: ``argmax ŷ == y``."""

    name = "sparse_categorical_accuracy"

    def __init__(self, name: str | None = None, dtype=None) -> None:
        super().__init__(sparse_categorical_accuracy, name or self.name)

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        """Counts the hits directly in the usual case (arrays, no weights): ``fit`` calls
        this at every step of the tutorial's network."""
        if sample_weight is not None or type(y) is not np.ndarray or \
                type(y_pred) is not np.ndarray:
            return super().update_state(y, y_pred, sample_weight)
        hits = y_pred.argmax(axis=-1) == _labels(y, y_pred)
        self._total += int(np.count_nonzero(hits))  # a Python int: no NumPy scalar sums
        self._count += hits.size


class CategoricalAccuracy(MeanMetricWrapper):
    """``argmax ŷ == argmax y`` for one-hot labels."""

    name = "categorical_accuracy"

    def __init__(self, name: str | None = None, dtype=None) -> None:
        super().__init__(categorical_accuracy, name or self.name)


class BinaryAccuracy(MeanMetricWrapper):
    """``(ŷ > threshold) == y`` element-wise, threshold 0.5."""

    name = "binary_accuracy"

    def __init__(self, name: str | None = None, dtype=None, threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name or self.name, threshold=threshold)
        self.threshold = threshold


class Accuracy(MeanMetricWrapper):
    """``ŷ == y`` exactly (for integer outputs; ``"accuracy"`` in compile means one of the
    accuracies above, chosen from the loss)."""

    name = "accuracy"

    def __init__(self, name: str | None = None, dtype=None) -> None:
        super().__init__(accuracy, name or self.name)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose one-hot label is among the ``k`` largest outputs (k = 5)."""

    name = "top_k_categorical_accuracy"

    def __init__(self, k: int = 5, name: str | None = None, dtype=None) -> None:
        super().__init__(top_k_categorical_accuracy, name or self.name, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose integer label is among the ``k`` largest outputs (k = 5)."""

    name = "sparse_top_k_categorical_accuracy"

    def __init__(self, k: int = 5, name: str | None = None, dtype=None) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name or self.name, k=k)


class _LossMetric(MeanMetricWrapper):
    """A loss function reported as a metric (its running mean over the samples)."""

    fn = staticmethod(mean_squared_error)

    def __init__(self, name: str | None = None, dtype=None, **options) -> None:
        super().__init__(type(self).fn, name or self.name, **options)


class MeanSquaredError(_LossMetric):
    """``mean((ŷ - y)², axis=-1)``, averaged over the samples."""

    name, fn = "mean_squared_error", staticmethod(mean_squared_error)


class MeanAbsoluteError(_LossMetric):
    """``mean(|ŷ - y|, axis=-1)``, averaged over the samples."""

    name, fn = "mean_absolute_error", staticmethod(mean_absolute_error)


class MeanAbsolutePercentageError(_LossMetric):
    """``100 · mean(|y - ŷ| / max(|y|, ε))``."""

    name, fn = "mean_absolute_percentage_error", staticmethod(mean_absolute_percentage_error)


class MeanSquaredLogarithmicError(_LossMetric):
    """``mean((log(1 + ŷ) - log(1 + y))²)``."""

    name, fn = "mean_squared_logarithmic_error", staticmethod(mean_squared_logarithmic_error)


class Hinge(_LossMetric):
    """``mean(max(1 - y ŷ, 0))``."""

    name, fn = "hinge", staticmethod(hinge)


class SquaredHinge(_LossMetric):
    """``mean(max(1 - y ŷ, 0)²)``."""

    name, fn = "squared_hinge", staticmethod(squared_hinge)


class CategoricalHinge(_LossMetric):
    """``max(max((1 - y) ŷ) - Σ y ŷ + 1, 0)``."""

    name, fn = "categorical_hinge", staticmethod(categorical_hinge)


class KLDivergence(_LossMetric):
    """``Σ y log(y / ŷ)`` per sample."""

    name, fn = "kl_divergence", staticmethod(kl_divergence)


class Poisson(_LossMetric):
    """``mean(ŷ - y log ŷ)``."""

    name, fn = "poisson", staticmethod(poisson)


class LogCoshError(_LossMetric):
    """``mean(log cosh(ŷ - y))``."""

    name, fn = "logcosh", staticmethod(log_cosh)


class BinaryCrossentropy(_LossMetric):
    """Binary cross-entropy per sample (``from_logits``, ``label_smoothing`` as the loss)."""

    name, fn = "binary_crossentropy", staticmethod(binary_crossentropy)

    def __init__(self, name: str | None = None, dtype=None, from_logits: bool = False,
                 label_smoothing: float = 0.0) -> None:
        super().__init__(name, from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(_LossMetric):
    """Categorical cross-entropy per sample, for one-hot labels."""

    name, fn = "categorical_crossentropy", staticmethod(categorical_crossentropy)

    def __init__(self, name: str | None = None, dtype=None, from_logits: bool = False,
                 label_smoothing: float = 0.0) -> None:
        super().__init__(name, from_logits=from_logits, label_smoothing=label_smoothing)


class SparseCategoricalCrossentropy(_LossMetric):
    """Categorical cross-entropy per sample, for integer labels."""

    name, fn = "sparse_categorical_crossentropy", staticmethod(sparse_categorical_crossentropy)

    def __init__(self, name: str | None = None, dtype=None, from_logits: bool = False) -> None:
        super().__init__(name, from_logits=from_logits)


class RootMeanSquaredError(Metric):
    """``√(mean of (ŷ - y)² over every entry seen)`` (the root of the running mean, not the
    mean of per-batch roots)."""

    name = "root_mean_squared_error"

    def values(self, y, y_pred):
        return np.square(y_pred - y.reshape(y_pred.shape))

    def float_result(self) -> float:
        return float(np.sqrt(super().float_result()))


# -- counts of true and false positives ---------------------------------------------------
class _Confusion(Metric):
    """Counts ``tp``, ``fp``, ``fn`` over all entries (or one column, ``class_id``), with
    ``ŷ > threshold`` read as a positive prediction and ``y > 0.5`` as a positive label;
    with ``top_k`` only the ``k`` largest outputs of a sample can be positive."""

    def __init__(self, thresholds: float | None = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype=None) -> None:
        if thresholds is not None and not isinstance(thresholds, (int, float)):
            raise ValueError(_("{cls} takes one threshold here, got "
                               "thresholds={thresholds!r}; make one metric per "
                               "threshold.").format(cls=type(self).__name__,
                                                    thresholds=thresholds))
        # as Keras: with top_k and no threshold, every one of the k largest counts
        default = 0.5 if top_k is None else -np.inf
        self.thresholds = default if thresholds is None else float(thresholds)
        self.top_k, self.class_id = top_k, class_id
        super().__init__(name)

    state_names = ("tp", "fp", "fn")

    def reset_state(self) -> None:
        self.tp = self.fp = self.fn = 0.0

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y = np.asarray(y).reshape(y_pred.shape) > 0.5
        predicted = y_pred > self.thresholds
        if self.top_k is not None:  # the k largest, the first ones among ties (as top_k)
            top = np.argsort(-y_pred, axis=-1, kind="stable")[..., :self.top_k]
            keep = np.zeros(y_pred.shape, bool)
            np.put_along_axis(keep, top, True, axis=-1)
            predicted &= keep
        if self.class_id is not None:
            y, predicted = y[..., self.class_id], predicted[..., self.class_id]
        w = _weights(sample_weight, y)
        w = np.ones(y.shape) if w is None else w
        self.tp += float((w * (predicted & y)).sum())
        self.fp += float((w * (predicted & ~y)).sum())
        self.fn += float((w * (~predicted & y)).sum())


class Precision(_Confusion):
    """``tp / (tp + fp)``: of the predicted positives, the share that are positive
    (0 when nothing was predicted positive)."""

    name = "precision"

    def float_result(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0


class Recall(_Confusion):
    """``tp / (tp + fn)``: of the actual positives, the share predicted positive."""

    name = "recall"

    def float_result(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


class AUC(Metric):
    """Area under the ROC curve, as Keras computes it: true and false positives counted at
    ``num_thresholds`` thresholds evenly spaced in ``[0, 1]`` (plus ``-ε`` and ``1 + ε``),
    then the curve of ``TPR = tp / (tp + fn)`` against ``FPR = fp / (fp + tn)`` summed by
    trapezoids (``summation_method="interpolation"``). Keras's example: with 3 thresholds,
    ``y = [0, 0, 1, 1]``, ``ŷ = [0, 0.5, 0.3, 0.9]`` gives 0.75.

    Only ``curve="ROC"`` is implemented (not ``"PR"``).
    """

    name = "auc"

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 thresholds=None, multi_label: bool = False, num_labels=None,
                 label_weights=None, from_logits: bool = False, dtype=None) -> None:
        if curve != "ROC" or summation_method != "interpolation" or multi_label \
                or label_weights is not None:
            raise NotImplementedError(_(
                "glassnet's AUC computes curve='ROC' with summation_method='interpolation' "
                "over all outputs; got curve={curve!r}, summation_method={method!r}, "
                "multi_label={multi_label}.").format(curve=curve, method=summation_method,
                                                     multi_label=multi_label))
        if thresholds is None:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        else:
            inner = sorted(float(t) for t in thresholds)
        self.thresholds = np.array([-1e-7, *inner, 1 + 1e-7])
        self.num_thresholds, self.from_logits = len(self.thresholds), from_logits
        super().__init__(name)

    state_names = ("tp", "fp", "tn", "fn")

    def reset_state(self) -> None:
        n = getattr(self, "num_thresholds", 0)
        self.tp, self.fp, self.tn, self.fn = (np.zeros(n) for _ in range(4))

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        y_pred = np.asarray(y_pred, dtype=np.float64)
        if self.from_logits:
            y_pred = 1 / (1 + np.exp(-y_pred))
        y = np.asarray(y).reshape(y_pred.shape) > 0.5
        w = _weights(sample_weight, y)
        w = np.ones(y.shape) if w is None else w
        y, p, w = y.ravel(), y_pred.ravel(), w.ravel()
        above = p[None, :] > self.thresholds[:, None]  # (thresholds, entries)
        self.tp += (above & y) @ w
        self.fp += (above & ~y) @ w
        self.fn += (~above & y) @ w
        self.tn += (~above & ~y) @ w

    def float_result(self) -> float:
        tpr = np.divide(self.tp, self.tp + self.fn, out=np.zeros_like(self.tp),
                        where=(self.tp + self.fn) > 0)
        fpr = np.divide(self.fp, self.fp + self.tn, out=np.zeros_like(self.fp),
                        where=(self.fp + self.tn) > 0)
        return float(np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2))


class MeanIoU(Metric):
    """Mean intersection over union, for segmentation: a confusion matrix ``C`` of
    ``num_classes x num_classes`` (rows: true class, columns: predicted) accumulates over
    the batches, and ``IoU_k = C_kk / (Σ_j C_kj + Σ_i C_ik - C_kk)`` (true positives over
    true + false positives + false negatives). The result is the mean of ``IoU_k`` over the
    classes that appear (true or predicted); ``ignore_class`` leaves out the pixels of that
    true class.

    As Keras, ``y_pred`` holds class ids (``sparse_y_pred=True``); pass
    ``sparse_y_pred=False`` for scores or probabilities, whose ``argmax`` along ``axis`` is
    taken (likewise ``sparse_y_true`` for one-hot labels).
    """

    name = "mean_io_u"

    def __init__(self, num_classes: int, name: str | None = None, dtype=None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
                or num_classes < 2:
            raise ValueError(_("MeanIoU num_classes must be an integer of at least 2, got "
                               "{value!r}.").format(value=num_classes))
        self.num_classes = int(num_classes)
        self.ignore_class = ignore_class
        self.sparse_y_true, self.sparse_y_pred, self.axis = sparse_y_true, sparse_y_pred, axis
        super().__init__(name)

    def reset_state(self) -> None:
        self.confusion = np.zeros((self.num_classes, self.num_classes))

    def update_state(self, y, y_pred, sample_weight=None) -> None:
        y, y_pred = np.asarray(y), np.asarray(y_pred)
        if not self.sparse_y_true:
            y = y.argmax(axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(axis=self.axis)
        if y.size != y_pred.size:
            raise ValueError(_("MeanIoU: y_true has {n} labels and y_pred {m} predictions; "
                               "for scores or probabilities pass sparse_y_pred=False.").format(
                                   n=y.size, m=y_pred.size))
        y = y.astype(np.int64).reshape(y_pred.shape)
        w = _weights(sample_weight, y)  # one weight per sample, or per label
        w = np.ones(y.size) if w is None else w.ravel()
        y, y_pred = y.ravel(), y_pred.astype(np.int64).ravel()
        keep = np.ones(y.size, bool) if self.ignore_class is None else y != self.ignore_class
        bad = keep & ((y < 0) | (y >= self.num_classes) | (y_pred < 0) |
                      (y_pred >= self.num_classes))
        if bad.any():
            raise ValueError(_("MeanIoU(num_classes={k}) got class ids outside 0..{last}: "
                               "{values}.").format(k=self.num_classes, last=self.num_classes - 1,
                                                   values=sorted({*y[bad], *y_pred[bad]})[:5]))
        np.add.at(self.confusion, (y[keep], y_pred[keep]), w[keep])

    def float_result(self) -> float:
        C = self.confusion
        tp = np.diag(C)
        union = C.sum(axis=0) + C.sum(axis=1) - tp
        present = union > 0
        return float((tp[present] / union[present]).mean()) if present.any() else 0.0

    def get_config(self) -> dict:
        return {"name": self.name, "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


_CLASS_LIST = (SparseCategoricalAccuracy, CategoricalAccuracy, BinaryAccuracy,
               TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, MeanSquaredError,
               MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
               RootMeanSquaredError, Hinge, SquaredHinge, CategoricalHinge, KLDivergence,
               Poisson, LogCoshError, BinaryCrossentropy, CategoricalCrossentropy,
               SparseCategoricalCrossentropy, Precision, Recall, AUC, Mean, Sum)
_CLASSES = {cls.name: cls for cls in _CLASS_LIST}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error",
            "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
            "rmse": "root_mean_squared_error", "kld": "kl_divergence", "log_cosh": "logcosh",
            "kullback_leibler_divergence": "kl_divergence",
            **{cls.__name__.lower(): cls.name for cls in _CLASS_LIST}}
NAMES = [*_CLASSES, "mse", "mae", "mape", "msle", "kld", "accuracy", "acc"]


def get(identifier, loss=None, output_units: int | None = None) -> Metric:
    """Resolve a metric: a ``Metric`` object or class, a name, or a function with one value
    per sample (reported under the function's name). ``"accuracy"`` becomes binary, sparse
    categorical or categorical accuracy depending on the loss and the number of output
    units. A name keeps the spelling the user wrote (``"acc"``, ``"mae"``) as its History
    key, as in Keras."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier) and not isinstance(identifier, type):
        return MeanMetricWrapper(identifier)
    if not isinstance(identifier, str):
        raise TypeError(_("metric must be a name such as 'accuracy', a glassnet.metrics "
                          "object or a function f(y_true, y_pred), got {value!r}.").format(
            value=identifier))
    key = identifier.lower()
    if key in ("accuracy", "acc"):
        loss_name = getattr(loss, "name", "")
        if loss_name == "binary_crossentropy" or output_units == 1:
            return BinaryAccuracy(name=identifier)
        if loss_name == "sparse_categorical_crossentropy":
            return SparseCategoricalAccuracy(name=identifier)
        return CategoricalAccuracy(name=identifier)
    key = _ALIASES.get(key, key)
    if key in _CLASSES:
        return _CLASSES[key](name=identifier)
    raise unknown_name("metric", identifier, NAMES)
