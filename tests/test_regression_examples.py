"""The tutorial's section 4 models, from examples/: linear regression against least squares,
logistic regression against scikit-learn's unpenalised maximum-likelihood fit."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import glassnet as keras

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def linear():
    return runpy.run_path(str(EXAMPLES / "linear_regression.py"))


@pytest.fixture(scope="module")
def logistic():
    return runpy.run_path(str(EXAMPLES / "logistic_regression.py"))


def test_linear_regression_matches_least_squares(linear):
    x, y = linear["make_data"]()
    w, b, model = linear["fit_line"](x, y)
    w_ls, b_ls = linear["least_squares"](x, y)
    assert abs(w - w_ls) < 1e-4 and abs(b - b_ls) < 1e-4
    # and least squares recovers the true line up to the noise
    assert abs(w - linear["TRUE_W"]) < 0.15 and abs(b - linear["TRUE_B"]) < 0.1
    # the model is the tutorial's: one Dense unit, no activation, loss mse
    assert len(model.layers) == 1 and model.layers[0].activation.name == "linear"
    assert model.loss.name == "mean_squared_error"
    residual = y - (w_ls * x + b_ls)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(np.mean(residual**2), rel=1e-5)


def test_linear_regression_with_the_string_sgd_and_mini_batches(linear):
    """The tutorial's literal form: optimizer='sgd' (η = 0.01), batches of 32."""
    x, y = linear["make_data"]()
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=150, verbose=0)
    (W, b), (w_ls, b_ls) = model.get_weights(), linear["least_squares"](x, y)
    assert abs(W[0, 0] - w_ls) < 0.05 and abs(b[0] - b_ls) < 0.05


def test_logistic_regression_matches_scikit_learn(logistic):
    pytest.importorskip("sklearn")
    x, y = logistic["make_data"]()
    w, b, model = logistic["fit_logistic"](x, y)
    w_sk, b_sk = logistic["sklearn_logistic"](x, y)
    np.testing.assert_allclose(w, w_sk, rtol=1e-3)
    assert b == pytest.approx(b_sk, rel=1e-3)
    # close to the true coefficients, up to sampling noise
    np.testing.assert_allclose(w, logistic["TRUE_W"], atol=0.25)
    # sigmoid + binary cross-entropy: the stable fused gradient p - y
    assert model.compiled_outputs()[0].fused
    p = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(x @ w + b))), rtol=1e-5)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy == pytest.approx(np.mean((p > 0.5) == y))
    assert loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-4)


@pytest.mark.parametrize("name", ["linear_regression.py", "logistic_regression.py"])
def test_examples_print_the_comparison(name, capsys):
    runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    out = capsys.readouterr().out
    assert "true" in out and "glassnet (SGD)" in out
    assert ("least squares" in out) if name.startswith("linear") else ("scikit-learn" in out)
