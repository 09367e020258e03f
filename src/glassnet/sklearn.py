"""scikit-learn estimators whose insides are glassnet networks.

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from glassnet.sklearn import MLPClassifier

    clf = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(128,), epochs=20))
    clf.fit(X_train, y_train).score(X_test, y_test)

Four estimators, each building a ``glassnet.Sequential`` in ``fit`` (kept as ``model_``):

* ``MLPClassifier``: ``Dense(h, activation)`` for each ``h`` in ``hidden_layer_sizes``, then
  ``Dense(n_classes, "softmax")`` with sparse categorical cross-entropy;
* ``MLPRegressor``: the same hidden layers, then a linear ``Dense(n_outputs)`` with mean squared
  error;
* ``LinearRegression``: ``ŷ = xW + b`` (the tutorial's section 4.1, ``y = wx + b``), mean
  squared error, trained by gradient descent;
* ``LogisticRegression``: ``P(y = 1 | x) = 1 / (1 + e^-(xW + b))`` (section 4.2), binary
  cross-entropy; with more than two classes the softmax version, ``P = softmax(xW + b)``.

They follow scikit-learn's conventions (``get_params``/``set_params``, ``fit`` returns self,
``classes_`` with any labels, ``predict_proba``, ``score``, ``n_features_in_``,
``feature_names_in_``, ``partial_fit``, ``clone``, pickling) and pass
``sklearn.utils.estimator_checks.check_estimator``.

Randomness: with ``random_state=None`` the weights and the shuffling come from glassnet's own
generator (``glassnet.utils.set_random_seed``); an int makes ``fit`` repeatable on its own.

Pickling a fitted estimator stores its network as the bytes of a ``.glassnet`` file (no code
inside). The pickle itself is still a pickle: only unpickle files you trust.

This module, and only this module, imports scikit-learn (``pip install scikit-learn``).
"""

from __future__ import annotations

import numbers
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data

from . import backend, layers, optimizers
from . import random as grandom
from .callbacks import EarlyStopping
from .data import pandas_to_numpy
from .i18n import _
from .model import Sequential
from .saving import load_model, save_model

__all__ = ["LinearRegression", "LogisticRegression", "MLPClassifier", "MLPRegressor"]


# -- helpers -------------------------------------------------------------------------
@contextmanager
def _random_source(generator: np.random.Generator | None) -> Iterator[None]:
    """Let glassnet draw weights and shuffles from ``generator`` inside the block."""
    if generator is None:
        yield
        return
    saved = grandom._rng
    grandom._rng = generator
    try:
        yield
    finally:
        grandom._rng = saved


def _generator(random_state) -> np.random.Generator | None:
    """A NumPy Generator from scikit-learn's ``random_state`` (None: glassnet's own)."""
    if random_state is None:
        return None
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return np.random.default_rng(seed)


def model_to_bytes(model: Sequential) -> bytes:
    """The bytes of ``model.save(...)``: architecture, weights and optimizer state, no code."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.glassnet")
        save_model(model, path)
        with open(path, "rb") as f:
            return f.read()


def model_from_bytes(data: bytes) -> Sequential:
    """The model whose ``.glassnet`` file bytes are ``data`` (read without unpickling)."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.glassnet")
        with open(path, "wb") as f:
            f.write(data)
        return load_model(path)


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(_("{name} must be a positive integer, got {value!r}.").format(
                               name=name, value=value))
    return int(value)


# -- the shared base -----------------------------------------------------------------
class _GlassnetEstimator(BaseEstimator):
    """What all four estimators share: validation, building, training, pickling.

    Subclasses define ``_hidden_layers()``, ``_output(n_out) -> (layer, loss)`` and
    ``_encode_y(y, reset, classes)`` (classes to indices, or targets to 2-D floats).
    """

    def _hidden_layers(self) -> list:
        return []

    # -- input checks ------------------------------------------------------------
    def _validate(self, X, y="no_validation", reset: bool = True, **check_params):
        """scikit-learn's checks (shapes, NaN, feature names), ``X`` as float32."""
        if hasattr(X, "columns") and hasattr(X, "dtypes"):
            pandas_to_numpy(X, "X")  # names any non-numeric column before sklearn's checks
        return validate_data(self, X, y, reset=reset, dtype=backend.floatx(), **check_params)

    def _check_params(self) -> None:
        _positive_int(self.epochs, "epochs")
        _positive_int(self.batch_size, "batch_size")
        if not isinstance(self.learning_rate, numbers.Real) or not self.learning_rate > 0:
            raise ValueError(_("learning_rate must be a positive number, got "
                               "{learning_rate!r}.").format(learning_rate=self.learning_rate))
        if not isinstance(self.validation_split, numbers.Real) \
                or not 0 <= self.validation_split < 1:
            raise ValueError(_("validation_split must be in [0, 1), got "
                               "{validation_split!r}.").format(
                                   validation_split=self.validation_split))
        if not isinstance(self.optimizer, str):
            raise TypeError(_("optimizer must be a name such as 'adam' or 'sgd' (so that "
                              "the estimator can be cloned), got {optimizer!r}.").format(
                                  optimizer=self.optimizer))

    # -- building and training ---------------------------------------------------------
    def _build(self, n_features: int, n_out: int) -> Sequential:
        output, loss = self._output(n_out)
        model = Sequential([layers.Input(shape=(n_features,)), *self._hidden_layers(), output])
        optimizer = optimizers.get({"name": self.optimizer.lower(),
                                    "learning_rate": float(self.learning_rate)})
        model.compile(optimizer=optimizer, loss=loss)
        return model

    def _initialize(self, X: np.ndarray, y: np.ndarray) -> None:
        """A fresh network for data ``X`` and encoded targets ``y``."""
        self._check_params()
        self._rng = _generator(self.random_state)
        n_out = self._n_model_outputs(y)
        with _random_source(self._rng):
            self.model_ = self._build(X.shape[1], n_out)
        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] = []
        self.n_iter_ = 0

    def _train(self, X: np.ndarray, y: np.ndarray, epochs: int, validate: bool) -> None:
        """``epochs`` passes of gradient descent over ``(X, y)``, optionally early-stopped.

        With ``validation_split`` (or ``early_stopping``, which then holds out 10%), a
        random fraction of the samples is held out; Keras's ``fit`` would hold out the
        last rows, which in sorted tabular data is often a single class.
        """
        callbacks = []
        validation_data = None
        split = self.validation_split or (0.1 if self.early_stopping else 0.0)
        with _random_source(self._rng):
            if validate and split:
                n_val = int(round(len(X) * split))
                if 0 < n_val < len(X):
                    order = grandom.rng().permutation(len(X))
                    val, train = order[:n_val], order[n_val:]
                    validation_data = (X[val], y[val])
                    X, y = X[train], y[train]
            if validate and self.early_stopping:
                monitor = "val_loss" if validation_data is not None else "loss"
                callbacks.append(EarlyStopping(monitor=monitor, patience=self.patience,
                                               restore_best_weights=True))
            history = self.model_.fit(X, y, batch_size=self.batch_size, epochs=epochs,
                                      verbose=self.verbose, callbacks=callbacks,
                                      validation_data=validation_data)
        self.loss_curve_ += [float(v) for v in history.history["loss"]]
        self.validation_loss_curve_ += [float(v) for v in history.history.get("val_loss", [])]
        self.n_iter_ += len(history.history["loss"])

    def _fit(self, X, y):
        X, y = self._validate(X, y, reset=True, **self._y_checks)
        y = self._encode_y(y, reset=True)
        self._initialize(X, y)
        self._train(X, y, self.epochs, validate=True)
        return self

    def _partial_fit(self, X, y, classes=None):
        first = not hasattr(self, "model_")
        X, y = self._validate(X, y, reset=first, **self._y_checks)
        y = self._encode_y(y, reset=first, classes=classes)
        if first:
            self._initialize(X, y)
        elif self._n_model_outputs(y) != self.model_.output_shape[-1]:
            raise ValueError(_("partial_fit got targets with {shape} columns; the model "
                               "was fitted with {output_shape}.").format(
                                   shape=y.shape[1], output_shape=self.model_.output_shape[-1]))
        self._train(X, y, 1, validate=False)
        return self

    def _forward(self, X) -> np.ndarray:
        """The network's outputs for ``X`` (after scikit-learn's checks)."""
        check_is_fitted(self, "model_")
        X = self._validate(X, reset=False)
        return self.model_.predict(X, batch_size=max(self.batch_size, 256), verbose=0)

    def _dense_layers(self) -> list:
        check_is_fitted(self, "model_")
        return self.model_.layers

    # -- pickling: the network travels as a .glassnet file ------------------------------
    def __getstate__(self):
        state = dict(super().__getstate__())
        if isinstance(state.get("model_"), Sequential):
            state["model_"] = model_to_bytes(state["model_"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model_"), bytes):
            state = {**state, "model_": model_from_bytes(state["model_"])}
        super().__setstate__(state)


def _one_kind_of_label(labels, name: str) -> None:
    """``classes_`` is sorted, as in scikit-learn, and Python cannot order ``'a'`` and ``1``:
    refuse labels that mix strings with numbers, naming one of each. (A list such as
    ``['a', 1]`` becomes an array of strings, as in scikit-learn; an object array stays.)"""
    values = np.asarray(labels)
    if values.dtype != object:
        return
    values = values.ravel()
    text = [isinstance(v, str) for v in values]
    if any(text) and not all(text):
        word = values[text.index(True)]
        number = values[text.index(False)]
        raise TypeError(_("{name} mixes strings and numbers as class labels ({word!r} "
                          "and {number!r}); classes_ is sorted and they cannot be "
                          "ordered together. Use one kind of label, e.g. {name} = "
                          "np.asarray({name}).astype(str).").format(
                              name=name, word=word, number=number))


class _Classifier(ClassifierMixin, _GlassnetEstimator):
    """Labels ↔ class indices, ``predict_proba``, ``predict``."""

    _y_checks: dict = {}

    def _encode_y(self, y, reset: bool, classes=None) -> np.ndarray:
        """``y`` as indices into ``classes_`` (``classes_`` is set when ``reset``)."""
        _one_kind_of_label(y, "y")
        if classes is not None:
            _one_kind_of_label(classes, "classes")
        check_classification_targets(y)
        if reset:
            self.classes_ = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if len(self.classes_) < 2:
                raise ValueError(
                    _("{kind} needs samples of at least 2 classes to learn from, but y "
                      "has only 1 class: {tolist!r}.").format(
                          kind=type(self).__name__, tolist=self.classes_.tolist()[0])
                )
        elif classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(_("classes={tolist!r} differs from the classes of the first "
                               "partial_fit call, {tolist2!r}.").format(
                                   tolist=np.asarray(classes).tolist(),
                                   tolist2=self.classes_.tolist()))
        unseen = np.setdiff1d(y, self.classes_)
        if unseen.size:
            raise ValueError(_("y has labels {tolist!r} that are not in classes "
                               "{tolist2!r}. Pass every label in classes= on the first "
                               "partial_fit call.").format(
                                   tolist=unseen.tolist(), tolist2=self.classes_.tolist()))
        return np.searchsorted(self.classes_, y).astype(np.intp)

    def _n_model_outputs(self, y) -> int:
        return len(self.classes_)

    def fit(self, X, y) -> _Classifier:
        """Train a new network on samples ``X (n_samples, n_features)`` and labels ``y``."""
        return self._fit(X, y)

    def partial_fit(self, X, y, classes=None) -> _Classifier:
        """One pass (epoch) over ``(X, y)``, continuing from the current weights.

        The first call needs ``classes``, every label that will ever appear.
        """
        if not hasattr(self, "model_") and classes is None:
            raise ValueError(_("The first call to partial_fit needs classes=, the list "
                               "of all labels (e.g. classes=np.unique(y_all))."))
        return self._partial_fit(X, y, classes)

    def predict_proba(self, X) -> np.ndarray:
        """``P(class | x)``, shape ``(n_samples, n_classes)``, columns in ``classes_`` order."""
        p = self._forward(X).astype(np.float64)
        if p.shape[1] == 1:  # one sigmoid unit: P(classes_[1])
            p = np.hstack([1 - p, p])
        return p / p.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable label for each sample."""
        index = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[index]


class _Regressor(RegressorMixin, _GlassnetEstimator):
    """Targets as 2-D float arrays; one or several outputs."""

    _y_checks = {"multi_output": True, "y_numeric": True}

    def _encode_y(self, y, reset: bool, classes=None) -> np.ndarray:
        y = np.asarray(y, dtype=backend.floatx())
        if reset:
            self._y_1d = y.ndim == 1
        return y.reshape(len(y), -1)

    def _n_model_outputs(self, y) -> int:
        return y.shape[1]

    def fit(self, X, y) -> _Regressor:
        """Train a new network on ``X (n_samples, n_features)`` and ``y (n_samples[, k])``."""
        return self._fit(X, y)

    def partial_fit(self, X, y) -> _Regressor:
        """One pass (epoch) over ``(X, y)``, continuing from the current weights."""
        return self._partial_fit(X, y)

    def predict(self, X) -> np.ndarray:
        """``ŷ``, shape ``(n_samples,)`` or ``(n_samples, k)`` like the ``y`` of ``fit``."""
        out = self._forward(X).astype(np.float64)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


# -- the multi-layer perceptrons -------------------------------------------------------
class _MLPParams:
    """The parameters both MLP estimators share (scikit-learn reads them from ``__init__``)."""

    def __init__(self, hidden_layer_sizes=(128,), activation: str = "relu",
                 optimizer: str = "adam", learning_rate: float = 0.001, batch_size: int = 32,
                 epochs: int = 50, validation_split: float = 0.0, early_stopping: bool = False,
                 patience: int = 10, random_state=None, verbose: int = 0) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    def _hidden_layers(self) -> list:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        return [layers.Dense(_positive_int(h, "each of hidden_layer_sizes"),
                             activation=self.activation) for h in sizes]


_MLP_DOC = """

    Parameters:
        hidden_layer_sizes: units of each hidden ``Dense`` layer; ``(128,)`` is the
            tutorial's network, ``()`` none at all.
        activation: the hidden layers' activation (``"relu"``, ``"tanh"``, ``"gelu"``, ...).
        optimizer: a glassnet optimizer name: ``"adam"``, ``"sgd"``, ``"rmsprop"``,
            ``"adamw"``, ``"adagrad"``.
        learning_rate: the step size ``η``.
        batch_size: samples per gradient step.
        epochs: passes over the training data (fewer with ``early_stopping``).
        validation_split: fraction of the samples, chosen at random, held out to report
            ``validation_loss_curve_``.
        early_stopping: stop when the validation loss has not improved for ``patience``
            epochs and keep the best weights; holds out 10% when ``validation_split`` is 0.
        patience: epochs without improvement before stopping (with ``early_stopping``).
        random_state: None (glassnet's generator), an int or a ``RandomState``.
        verbose: 0 silent, 1 progress bar, 2 one line per epoch (Keras's ``verbose``).

    Attributes (after ``fit``): ``model_`` (the ``glassnet.Sequential``), ``loss_curve_``,
    ``validation_loss_curve_``, ``n_iter_`` (epochs run), ``n_features_in_``,
    ``feature_names_in_`` (for a DataFrame with string column names), ``coefs_`` and
    ``intercepts_`` (copies of each layer's ``W`` and ``b``).
"""


class MLPClassifier(_MLPParams, _Classifier):
    """A multi-layer perceptron classifier: hidden ``Dense`` layers, then softmax.

    ``P(class | x) = softmax(a_L W + b)`` with ``a_0 = x`` and
    ``a_l = activation(a_(l-1) W_l + b_l)``; trained on the cross-entropy
    ``-mean(log P(y | x))``.
    """

    __doc__ += _MLP_DOC

    def _output(self, n_out: int):
        return layers.Dense(n_out, activation="softmax"), "sparse_categorical_crossentropy"

    @property
    def coefs_(self) -> list[np.ndarray]:
        return [layer.W.copy() for layer in self._dense_layers()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        return [layer.b.copy() for layer in self._dense_layers()]


class MLPRegressor(_MLPParams, _Regressor):
    """A multi-layer perceptron regressor: hidden ``Dense`` layers, then a linear output.

    ``ŷ = a_L W + b``; trained on the mean squared error ``mean((ŷ - y)²)``. Standardise
    the inputs (``StandardScaler``), and targets far from unit scale train slowly.
    """

    __doc__ += _MLP_DOC

    def _output(self, n_out: int):
        return layers.Dense(n_out), "mean_squared_error"

    coefs_ = MLPClassifier.coefs_
    intercepts_ = MLPClassifier.intercepts_


# -- the tutorial's section 4 models ----------------------------------------------------
_LINEAR_DOC = """

    Parameters: ``optimizer`` (``"sgd"``: plain gradient descent, ``θ ← θ - η ∇L``),
    ``learning_rate`` ``η``, ``batch_size``, ``epochs``, ``validation_split``,
    ``early_stopping``, ``patience``, ``random_state``, ``verbose``, as in ``MLPClassifier``.
    Gradient descent converges only on features of similar scale: put a ``StandardScaler``
    before it.

    Attributes (after ``fit``): ``coef_``, ``intercept_`` (scikit-learn's shapes), ``model_``,
    ``loss_curve_``, ``n_iter_``, ``n_features_in_``, ``feature_names_in_``.
"""


class LinearRegression(_Regressor):
    """Linear regression ``ŷ = xW + b`` trained by gradient descent on ``mean((ŷ - y)²)``.

    The gradients are ``dW = 2 xᵀ(ŷ - y) / n`` and ``db = 2 Σ(ŷ - y) / n``; each step
    moves ``W`` and ``b`` by ``-η`` times them. (scikit-learn's ``LinearRegression``
    solves the same problem exactly by least squares; this one shows how gradient
    descent gets there.)
    """

    __doc__ += _LINEAR_DOC

    def __init__(self, optimizer: str = "sgd", learning_rate: float = 0.01,
                 batch_size: int = 32, epochs: int = 50, validation_split: float = 0.0,
                 early_stopping: bool = False, patience: int = 10, random_state=None,
                 verbose: int = 0) -> None:
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    def _output(self, n_out: int):
        return layers.Dense(n_out), "mean_squared_error"

    @property
    def coef_(self) -> np.ndarray:
        """``Wᵀ``: shape ``(n_features,)``, or ``(n_targets, n_features)`` for 2-D ``y``."""
        W = self._dense_layers()[0].W.T.astype(np.float64)
        return W.ravel() if self._y_1d else W

    @property
    def intercept_(self) -> float | np.ndarray:
        b = self._dense_layers()[0].b.astype(np.float64)
        return float(b[0]) if self._y_1d else b


class LogisticRegression(_Classifier):
    """Logistic regression ``P(y = 1 | x) = sigmoid(xW + b)``, trained by gradient descent.

    The loss is the binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``, whose
    gradient with respect to ``z = xW + b`` is simply ``(p - y) / n``. With more than two
    classes it is multinomial: ``P = softmax(xW + b)``, one column of ``W`` per class.
    """

    __doc__ += _LINEAR_DOC

    def __init__(self, optimizer: str = "sgd", learning_rate: float = 0.1,
                 batch_size: int = 32, epochs: int = 50, validation_split: float = 0.0,
                 early_stopping: bool = False, patience: int = 10, random_state=None,
                 verbose: int = 0) -> None:
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    def _n_model_outputs(self, y) -> int:
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def _output(self, n_out: int):
        if n_out == 1:
            return layers.Dense(1, activation="sigmoid"), "binary_crossentropy"
        return layers.Dense(n_out, activation="softmax"), "sparse_categorical_crossentropy"

    def _encode_y(self, y, reset: bool, classes=None) -> np.ndarray:
        index = super()._encode_y(y, reset, classes)
        if len(self.classes_) == 2:  # 0/1 targets for the sigmoid unit
            return index.astype(backend.floatx())
        return index

    @property
    def coef_(self) -> np.ndarray:
        """``Wᵀ``: shape ``(1, n_features)`` for two classes, else ``(n_classes, n_features)``."""
        return self._dense_layers()[0].W.T.astype(np.float64)

    @property
    def intercept_(self) -> np.ndarray:
        return self._dense_layers()[0].b.astype(np.float64)
