"""Losses and metrics: Keras's documented values, function forms, gradients, names."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet
from glassnet import layers, losses, metrics
from glassnet.errors import UnknownNameError

Y2 = [[0.0, 1.0], [0.0, 0.0]]
P2 = [[0.6, 0.4], [0.4, 0.6]]


# ------------------------------------------------------------ Keras's documented examples
@pytest.mark.parametrize("loss, y, p, expected", [
    (losses.Huber(), Y2, P2, 0.155),
    (losses.LogCosh(), Y2, [[1.0, 1.0], [0.0, 0.0]], 0.108),
    (losses.MeanAbsolutePercentageError(), [[2.0, 1.0], [2.0, 3.0]], [[1.0, 1.0], [1.0, 0.0]],
     50.0),
    (losses.MeanSquaredLogarithmicError(), Y2, [[1.0, 1.0], [1.0, 0.0]], 0.240),
    (losses.KLDivergence(), Y2, P2, 0.458),
    (losses.Hinge(), Y2, P2, 1.3),
    (losses.SquaredHinge(), Y2, P2, 1.86),
    (losses.CategoricalHinge(), Y2, P2, 1.4),
    (losses.Poisson(), Y2, [[1.0, 1.0], [0.0, 0.0]], 0.5),
    (losses.BinaryCrossentropy(), Y2, P2, 0.815),
    (losses.MeanSquaredError(), Y2, [[1.0, 1.0], [1.0, 0.0]], 0.5),
    (losses.CategoricalCrossentropy(), [[0, 1, 0], [0, 0, 1]],
     [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.177),
    (losses.SparseCategoricalCrossentropy(), [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.177),
])
def test_keras_documented_loss_values(loss, y, p, expected):
    assert loss(y, p) == pytest.approx(expected, abs=1e-3)


def test_function_forms_return_one_loss_per_sample():
    p = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    np.testing.assert_allclose(losses.categorical_crossentropy([[0, 1, 0], [0, 0, 1]], p),
                               [0.0513, 2.303], atol=1e-3)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1, 2], p),
                               [0.0513, 2.303], atol=1e-3)
    np.testing.assert_allclose(losses.mean_squared_error(Y2, [[1.0, 1.0], [1.0, 0.0]]),
                               [0.5, 0.5])
    np.testing.assert_allclose(losses.binary_crossentropy([[0, 1], [0, 0]], P2),
                               [0.916, 0.714], atol=1e-3)
    assert losses.mse is losses.mean_squared_error and metrics.mae is losses.mae
    rng = np.random.default_rng(0)
    y, q = rng.uniform(0.1, 1, (5, 3)), rng.uniform(0.1, 1, (5, 3))
    for fn, cls in losses.FUNCTIONS.items():  # the class's value is the mean of the function's
        yy = y.argmax(axis=1) if cls.sparse else y
        assert fn(yy, q).shape == (5,)
        assert cls()(yy, q) == pytest.approx(float(np.mean(fn(yy, q))), rel=1e-6)


# ------------------------------------------------------------ gradients
def _cases():
    rng = np.random.default_rng(1)
    n, k = 4, 3
    probs = rng.dirichlet(np.ones(k), n)
    onehot = np.eye(k)[rng.integers(0, k, n)]
    signed = rng.choice([-1.0, 1.0], (n, k))
    away = rng.choice([-1, 1], (n, k)) * rng.uniform(0.2, 2, (n, k))
    return [
        ("huber", losses.Huber(delta=0.7), rng.standard_normal((n, k)),
         rng.standard_normal((n, k)) * 0.3 + np.where(rng.random((n, k)) < .5, 0, 2)),
        ("log_cosh", losses.LogCosh(), rng.standard_normal((n, k)), rng.standard_normal((n, k))),
        ("mape", losses.MeanAbsolutePercentageError(), away, away + rng.uniform(0.1, 1, (n, k))
         * rng.choice([-1, 1], (n, k))),
        ("msle", losses.MeanSquaredLogarithmicError(), rng.uniform(0, 3, (n, k)),
         rng.uniform(0.1, 3, (n, k))),
        ("kld", losses.KLDivergence(), probs, rng.dirichlet(np.ones(k), n)),
        ("hinge", losses.Hinge(), signed, signed * rng.choice([0.5, 1.5], (n, k)) + 0.01),
        ("squared_hinge", losses.SquaredHinge(), signed, rng.uniform(-0.8, 0.8, (n, k))),
        ("categorical_hinge", losses.CategoricalHinge(), onehot,
         rng.uniform(0, 1, (n, k)) * 0.5),
        ("poisson", losses.Poisson(), rng.integers(0, 4, (n, k)).astype(float),
         rng.uniform(0.2, 3, (n, k))),
        ("bce_smoothing", losses.BinaryCrossentropy(label_smoothing=0.2),
         rng.integers(0, 2, (n, k)).astype(float), rng.uniform(0.1, 0.9, (n, k))),
        ("cce_smoothing", losses.CategoricalCrossentropy(label_smoothing=0.1), onehot, probs),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_loss_gradient(case, float64):
    _, loss, y, p = case
    p = p.copy()
    assert_grad_close(loss.backward(y, p), numerical_grad(lambda: loss.forward(y, p), p))


@pytest.mark.parametrize("loss", [losses.CategoricalCrossentropy(label_smoothing=0.1),
                                  losses.BinaryCrossentropy(label_smoothing=0.1)])
def test_fused_gradient_with_label_smoothing(loss, float64):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 3))
    y = np.eye(3)[[0, 2, 1, 1]]
    act = glassnet.activations.get(loss.fuses_with)
    dz = loss.backward_fused(y, act.forward(z))
    assert_grad_close(dz, numerical_grad(lambda: loss.forward_fused(y, z), z))
    assert loss.forward_fused(y, z) == pytest.approx(loss.forward(y, act.forward(z)), rel=1e-6)


# ------------------------------------------------------------ get and compile
def test_get_names_functions_and_configs():
    assert isinstance(losses.get("huber"), losses.Huber)
    assert isinstance(losses.get("kld"), losses.KLDivergence)
    assert isinstance(losses.get("mape"), losses.MeanAbsolutePercentageError)
    assert isinstance(losses.get(losses.huber), losses.Huber)
    assert isinstance(losses.get(losses.categorical_crossentropy),
                      losses.CategoricalCrossentropy)
    h = losses.get({"name": "huber_loss", "delta": 2.0})
    assert isinstance(h, losses.Huber) and h.delta == 2.0
    assert losses.Huber(2.0).get_config() == {"name": "huber_loss", "delta": 2.0}
    assert losses.CategoricalCrossentropy().get_config() == {
        "name": "categorical_crossentropy", "from_logits": False}
    with pytest.raises(ValueError, match="Unknown option"):
        losses.get({"name": "mse", "delta": 1.0})
    with pytest.raises(UnknownNameError, match="huber"):
        losses.get("hubber")
    own = losses.get(lambda y_true, y_pred: (y_true - y_pred) ** 2)  # gradient from the tape
    np.testing.assert_allclose(own.backward(np.zeros((2, 1)), np.ones((2, 1))), [[1.0], [1.0]])


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, 4)).astype("float32")
    labels = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    return x, labels


def test_compile_with_loss_and_metric_functions():
    x, labels = _data()
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=losses.categorical_crossentropy,
                  metrics=[metrics.categorical_accuracy, "mae", metrics.Precision(),
                           metrics.TopKCategoricalAccuracy(k=2)])
    assert isinstance(model.loss, losses.CategoricalCrossentropy)
    history = model.fit(x, np.eye(3)[labels], epochs=2, verbose=0)
    assert set(history.history) == {"loss", "categorical_accuracy", "mae", "precision",
                                    "top_k_categorical_accuracy"}
    assert model.compiled_outputs()[0].fused  # the function kept the softmax fast path
    out = model.predict(x, verbose=0)
    acc = history.history["categorical_accuracy"][-1]
    assert 0 <= acc <= 1
    evaluated = model.evaluate(x, np.eye(3)[labels], verbose=0, return_dict=True)
    assert evaluated["categorical_accuracy"] == pytest.approx(
        float(np.mean(metrics.categorical_accuracy(np.eye(3)[labels], out))))


@pytest.mark.parametrize("loss", ["huber", losses.LogCosh(), "mape", losses.poisson])
def test_regression_losses_train(loss):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 3)).astype("float32")
    y = (x @ [[1.0], [2.0], [-1.0]] + 5).astype("float32")
    glassnet.utils.set_random_seed(1)
    # Poisson needs positive predictions (a rate): softplus keeps them so
    out = "softplus" if loss is losses.poisson else None
    model = glassnet.Sequential([layers.Input((3,)), layers.Dense(1, activation=out)])
    model.compile(optimizer=glassnet.optimizers.Adam(0.05), loss=loss)
    h = model.fit(x, y, epochs=15, verbose=0)
    assert h.history["loss"][-1] < 0.7 * h.history["loss"][0]


# ------------------------------------------------------------ metrics
def test_metric_functions_as_keras_documents():
    yp = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    np.testing.assert_array_equal(metrics.categorical_accuracy([[0, 0, 1], [0, 1, 0]], yp),
                                  [0, 1])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy([[2], [1]], yp), [0, 1])
    np.testing.assert_array_equal(metrics.binary_accuracy([[1], [1], [0], [0]],
                                                          [[1], [1], [0], [0]]), [1, 1, 1, 1])
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], yp, k=3), [1, 1])
    np.testing.assert_array_equal(
        metrics.top_k_categorical_accuracy([[0, 0, 1], [0, 1, 0]], yp, k=1), [0, 1])


def test_mean_and_sum():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7])
    assert s.result() == 16.0
    s.reset_states()  # Keras 2's name
    assert s.result() == 0.0
    train_loss = metrics.Mean(name="train_loss")  # a custom loop's running mean
    train_loss(0.5)
    assert train_loss(1.5) == 1.0 and train_loss.name == "train_loss"


@pytest.mark.parametrize("metric, y, p, w, plain, weighted", [
    (metrics.Precision(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 2 / 3, 1.0),
    (metrics.Recall(), [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 2 / 3, 1.0),
    (metrics.RootMeanSquaredError(), Y2, [[1.0, 1.0], [0.0, 0.0]], [1, 0], 0.5, 0.70710677),
    (metrics.TopKCategoricalAccuracy(k=1), [[0, 0, 1], [0, 1, 0]],
     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (metrics.SparseTopKCategoricalAccuracy(k=1), [2, 1],
     [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (metrics.BinaryCrossentropy(), Y2, P2, [1, 0], 0.81492424, 0.9162905),
    (metrics.CategoricalCrossentropy(), [[0, 1, 0], [0, 0, 1]],
     [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], [0.3, 0.7], 1.1769392, 1.6271976),
    (metrics.MeanAbsolutePercentageError(), Y2, [[1.0, 1.0], [0.0, 0.0]], [1, 0],
     250000000.0, 500000000.0),
])
def test_metric_classes_as_keras_documents(metric, y, p, w, plain, weighted):
    metric.update_state(np.asarray(y), np.asarray(p))
    assert metric.result() == pytest.approx(plain, rel=1e-5)
    metric.reset_state()
    metric.update_state(np.asarray(y), np.asarray(p), sample_weight=w)
    assert metric.result() == pytest.approx(weighted, rel=1e-5)


def test_precision_top_k_and_class_id():
    m = metrics.Precision(top_k=2)  # Keras's example: the first two of four tied outputs
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert m.result() == 0.0
    r = metrics.Recall(class_id=1)
    r.update_state([[0, 1], [0, 1], [1, 0]], [[0.2, 0.8], [0.7, 0.3], [0.1, 0.9]])
    assert r.result() == 0.5


def test_metrics_get_names_keep_the_users_spelling():
    assert metrics.get("mape").name == "mape"
    assert isinstance(metrics.get("mape"), metrics.MeanAbsolutePercentageError)
    assert isinstance(metrics.get("precision"), metrics.Precision)
    assert isinstance(metrics.get("Recall"), metrics.Recall)
    assert metrics.get(metrics.sparse_categorical_accuracy).name == \
        "sparse_categorical_accuracy"
    assert isinstance(metrics.get("auc"), metrics.AUC) and metrics.get("AUC").name == "AUC"
    with pytest.raises(UnknownNameError, match="precision"):
        metrics.get("precison")


def test_auc_as_keras_documents_and_against_the_exact_area():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    assert m.result() == pytest.approx(0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    assert m.result() == pytest.approx(1.0)
    # many thresholds: the exact area (share of positive-negative pairs ranked correctly)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    p = np.clip(0.3 * y + rng.uniform(0, 0.7, 300), 0, 1)
    exact = np.mean(p[y == 1][:, None] > p[y == 0][None, :])
    assert metrics.AUC(num_thresholds=2000)(y, p) == pytest.approx(exact, abs=2e-3)
    with pytest.raises(NotImplementedError, match="ROC"):
        metrics.AUC(curve="PR")
