"""Keras 2's ``keras.wrappers.scikit_learn.KerasClassifier``/``KerasRegressor`` with
``build_fn``, under scikit-learn's ``GridSearchCV`` and ``cross_val_score``."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402

import glassnet as tf  # noqa: E402
from glassnet.wrappers.scikit_learn import KerasClassifier, KerasRegressor  # noqa: E402

R = np.random.default_rng(0)
X = R.standard_normal((60, 2)).astype(np.float32)
LABELS = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")


def create_model(units=8, optimizer="adam", loss="binary_crossentropy", outputs=1):
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(units, activation="relu", input_shape=(2,)),
        tf.keras.layers.Dense(outputs, activation="sigmoid" if outputs == 1 else "softmax")])
    model.compile(tf.keras.optimizers.Adam(0.05) if optimizer == "adam" else optimizer, loss,
                  metrics=["accuracy"])
    return model


def test_keras2_import_paths_find_the_wrappers():
    import importlib

    module = importlib.import_module("glassnet.keras.wrappers.scikit_learn")
    assert module.KerasClassifier is KerasClassifier
    assert tf.keras.wrappers.scikit_learn.KerasRegressor is KerasRegressor


def test_classifier_fits_predicts_labels_and_scores():
    tf.random.set_seed(0)
    with pytest.warns(UserWarning, match="scikeras"):
        clf = KerasClassifier(build_fn=create_model, epochs=30, batch_size=10, verbose=0)
    history = clf.fit(X, LABELS)
    assert len(history.history["loss"]) == 30
    assert list(clf.classes_) == ["no", "yes"]
    assert set(clf.predict(X)) <= {"no", "yes"}
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 2)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)
    assert clf.score(X, LABELS) > 0.9
    assert np.mean(clf.predict(X) == LABELS) == pytest.approx(clf.score(X, LABELS), abs=1e-6)


def test_softmax_model_with_categorical_crossentropy_gets_one_hot_labels():
    tf.random.set_seed(0)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)  # 0, 1, 2
    clf = KerasClassifier(build_fn=create_model, outputs=3, loss="categorical_crossentropy",
                          epochs=30, batch_size=10, verbose=0)
    clf.fit(X, y)
    assert clf.predict_proba(X).shape == (60, 3) and clf.score(X, y) > 0.7


def test_grid_search_and_cross_val_over_build_fn_arguments():
    tf.random.set_seed(0)
    clf = KerasClassifier(build_fn=create_model, epochs=5, batch_size=20, verbose=0)
    assert "units" not in clf.get_params() and clf.get_params()["epochs"] == 5
    clf.set_params(units=4)
    assert clf.get_params()["units"] == 4 and clone(clf).get_params()["units"] == 4
    grid = GridSearchCV(clf, {"units": [2, 4], "epochs": [2, 5]}, cv=2).fit(X, LABELS)
    assert set(grid.best_params_) == {"units", "epochs"}
    scores = cross_val_score(clf, X, LABELS, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))
    with pytest.raises(ValueError, match="not a legal parameter"):
        KerasClassifier(build_fn=create_model, unitz=3)


def test_regressor_predicts_and_scores_minus_loss():
    tf.random.set_seed(0)
    y = X @ np.array([1.0, -2.0], np.float32)

    def build(lr=0.05):
        m = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
        m.compile(tf.keras.optimizers.Adam(lr), "mse")
        return m

    reg = KerasRegressor(build_fn=build, epochs=40, batch_size=10, verbose=0)
    reg.fit(X, y)
    assert reg.predict(X).shape == (60,)
    mse = float(np.mean((reg.predict(X) - y) ** 2))
    assert reg.score(X, y) == pytest.approx(-mse, rel=1e-4) and mse < 0.5
    assert cross_val_score(reg, X, y, cv=2).shape == (2,)
