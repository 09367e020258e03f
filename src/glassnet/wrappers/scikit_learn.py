"""Keras 2's scikit-learn wrappers, ``KerasClassifier`` and ``KerasRegressor``.

    def create_model(units=16, optimizer="adam"):
        model = keras.Sequential([keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer, "binary_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(build_fn=create_model, epochs=20, batch_size=16, verbose=0)
    GridSearchCV(clf, {"units": [8, 16], "epochs": [10, 20]}, cv=3).fit(X, y)

As in Keras 2 (``tf.keras.wrappers.scikit_learn``, removed in Keras 3; its successor is the
``scikeras`` package): ``build_fn(**its arguments)`` returns a compiled model; every other
keyword (``sk_params``) is either an argument of ``build_fn`` or of the model's ``fit``,
``predict`` or ``evaluate``, and ``fit`` passes each where it belongs. ``get_params`` and
``set_params`` see all of them, so grid search and ``clone`` work over ``build_fn``'s
arguments too.

``KerasClassifier`` keeps the labels in ``classes_`` (any values) and trains on their indices;
with loss ``categorical_crossentropy`` the indices are one-hot encoded. ``predict`` is the
class of the largest probability (or ``p > 0.5`` for one sigmoid output), ``predict_proba``
the probabilities (``[1 - p, p]`` for one output) and ``score`` the model's accuracy metric.
``KerasRegressor.predict`` is the output squeezed; its ``score`` is minus the loss (greater
is better, as scikit-learn wants).

Glassnet's own estimators (``glassnet.sklearn.MLPClassifier``...) need no ``build_fn``.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from ..i18n import _
from ..legacy import warn_once
from ..model import Sequential
from ..utils import to_categorical

__all__ = ["KerasClassifier", "KerasRegressor"]


def _arguments(fn) -> set[str] | None:
    """Names ``fn`` takes (None: anything, it has ``**kwargs``)."""
    params = inspect.signature(fn).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params}


#: what the model's methods take by name (``steps`` for generator input, see ``batches``)
_MODEL_ARGUMENTS = {
    fn: {p.name for p in inspect.signature(fn).parameters.values()
         if p.kind is not p.VAR_KEYWORD} - {"self", "x", "y"} | {"steps"}
    for fn in (Sequential.fit, Sequential.predict, Sequential.evaluate)}


class BaseWrapper(BaseEstimator):
    """``build_fn`` and ``sk_params``, with scikit-learn's ``get_params``/``set_params``."""

    def __init__(self, build_fn=None, **sk_params: Any) -> None:
        warn_once(f"keras.wrappers.scikit_learn.{type(self).__name__}",
                  f"scikeras.wrappers.{type(self).__name__} (pip install scikeras)")
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _builder(self):
        if self.build_fn is None:
            return self.__call__
        if inspect.isfunction(self.build_fn) or inspect.ismethod(self.build_fn):
            return self.build_fn
        return self.build_fn.__call__

    def check_params(self, params: dict) -> None:
        """Every name must be an argument of ``build_fn`` or of ``fit``/``predict``/
        ``evaluate``."""
        build = _arguments(self._builder())
        if build is None:
            return
        legal = build.union(*_MODEL_ARGUMENTS.values())
        for name in params:
            if name not in legal:
                raise ValueError(_("{name} is not a legal parameter of {wrapper}: it must be "
                                   "an argument of build_fn or of the model's fit, predict or "
                                   "evaluate.").format(name=name, wrapper=type(self).__name__))

    def get_params(self, deep: bool = True) -> dict:
        return {**self.sk_params, "build_fn": self.build_fn}

    def set_params(self, **params: Any):
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override: dict | None = None) -> dict:
        """The ``sk_params`` (then ``override``) that ``fn`` takes."""
        names = _MODEL_ARGUMENTS[fn] if fn in _MODEL_ARGUMENTS else _arguments(fn)
        chosen = {k: v for k, v in self.sk_params.items() if names is None or k in names}
        chosen.update({k: v for k, v in (override or {}).items()
                       if names is None or k in names})
        return chosen

    def _loss_name(self) -> str:
        loss = getattr(self.model, "loss", None)
        return getattr(loss, "__name__", None) or getattr(loss, "name", None) or str(loss)

    def fit(self, x, y, **kwargs):
        """Build a new model with ``build_fn`` and train it; returns the ``History``."""
        self.model = self._builder()(**self.filter_sk_params(self._builder()))
        if "categorical_crossentropy" == self._loss_name() and np.ndim(y) != 2:
            y = to_categorical(y)
        fit_args = self.filter_sk_params(Sequential.fit, kwargs)
        return self.model.fit(x, y, **fit_args)


class KerasClassifier(ClassifierMixin, BaseWrapper):
    """Keras 2's scikit-learn classifier around ``build_fn``'s model (module docstring)."""

    def fit(self, x, y, sample_weight=None, **kwargs):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        else:
            y = y.reshape(-1)
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict_proba(self, x, **kwargs) -> np.ndarray:
        """Class probabilities, ``(n, n_classes)``: ``[1 - p, p]`` for one sigmoid output."""
        probs = np.asarray(self.model.predict(
            x, **self.filter_sk_params(Sequential.predict, kwargs)))
        return np.hstack([1 - probs, probs]) if probs.shape[-1] == 1 else probs

    def predict(self, x, **kwargs) -> np.ndarray:
        probs = np.asarray(self.model.predict(
            x, **self.filter_sk_params(Sequential.predict, kwargs)))
        index = probs.argmax(-1) if probs.shape[-1] > 1 else (probs[:, 0] > 0.5).astype(int)
        return self.classes_[index]

    def score(self, x, y, sample_weight=None, **kwargs) -> float:
        """The model's accuracy metric on ``(x, y)`` (it must be compiled with
        ``metrics=["accuracy"]``)."""
        y = np.asarray(y)
        if not (y.ndim == 2 and y.shape[1] > 1):
            y = np.searchsorted(self.classes_, y.reshape(-1))
            if self._loss_name() == "categorical_crossentropy":
                y = to_categorical(y, len(self.classes_))
        logs = self.model.evaluate(x, y, return_dict=True,
                                   **self.filter_sk_params(Sequential.evaluate, kwargs))
        for name in ("accuracy", "acc"):
            if name in logs:
                return float(logs[name])
        raise ValueError(_("The model is not configured to compute accuracy, which score "
                           "returns: compile it with metrics=['accuracy'] in build_fn."))


class KerasRegressor(RegressorMixin, BaseWrapper):
    """Keras 2's scikit-learn regressor around ``build_fn``'s model (module docstring)."""

    def fit(self, x, y, sample_weight=None, **kwargs):
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def predict(self, x, **kwargs) -> np.ndarray:
        return np.squeeze(np.asarray(self.model.predict(
            x, **self.filter_sk_params(Sequential.predict, kwargs))))

    def score(self, x, y, sample_weight=None, **kwargs) -> float:
        """Minus the model's loss on ``(x, y)``: greater is better."""
        logs = self.model.evaluate(x, y, return_dict=True,
                                   **self.filter_sk_params(Sequential.evaluate, kwargs))
        return -float(logs["loss"])
