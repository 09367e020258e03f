"""Central-difference gradient checks, in float64, for every activation, loss and layer,
and for every parameter of whole small models.

For a function ``f`` and a point ``x``, the numerical derivative is

    ∂f/∂x_i ≈ (f(x + ε e_i) - f(x - ε e_i)) / 2ε,      ε = 1e-6,

whose error is O(ε²) from truncation plus O(1e-16 / ε) from rounding, i.e. about 1e-10
in float64. Backpropagation must agree to a relative error below 1e-6.

Element-wise functions are checked through the scalar ``L = Σ dy · f(x)`` for a random
``dy``: then ``dL/dx = backward(dy)``, which tests the full vector-Jacobian product.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import activations, layers, losses, optimizers

EPS = 1e-6
TOL = 1e-6


def numerical_grad(f, x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """Central differences of the scalar ``f()`` with respect to ``x``, perturbed in place."""
    assert x.dtype == np.float64, "gradient checks must run in float64"
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    assert np.shares_memory(flat, x)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def rel_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``max |a - n| / max(|a|, |n|)``: scale-free, and not fooled by tiny entries."""
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    assert analytic.shape == numeric.shape
    scale = max(np.abs(analytic).max(), np.abs(numeric).max())
    assert scale > 1e-8, "a zero gradient proves nothing: choose other test values"
    return float(np.abs(analytic - numeric).max() / scale)


def assert_grad_close(analytic, numeric, tol: float = TOL) -> None:
    err = rel_error(analytic, numeric)
    assert err < tol, f"relative error {err:.2e} >= {tol:.0e}\nanalytic={analytic}\n" \
                      f"numeric={numeric}"


def away_from_zero(rng, shape, low=0.1, high=2.0) -> np.ndarray:
    """Random values with |v| in [low, high]: no kink of relu-like functions within reach."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


# --------------------------------------------------------------------------- activations
ACTIVATIONS = ["sigmoid", "relu", "tanh", "softmax", "linear", "leaky_relu", "elu", "gelu",
               "softplus", "swish"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_gradient(name, float64):
    rng = np.random.default_rng(0)
    f = activations.get(name)
    z = away_from_zero(rng, (4, 5), 0.1, 3.0)
    da = rng.standard_normal((4, 5))
    a = f.forward(z)
    assert a.dtype == np.float64
    dz = f.backward(z, a, da)
    numeric = numerical_grad(lambda: float(np.sum(da * f.forward(z))), z)
    assert_grad_close(dz, numeric)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_keeps_float32(name):
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    f = activations.get(name)
    a = f.forward(z)
    assert a.dtype == np.float32
    assert f.backward(z, a, np.ones_like(z)).dtype == np.float32


def test_activation_values():
    """A few hand-computed values, so that a wrong forward cannot hide behind its backward."""
    z = np.array([[-1.0, 0.5, 2.0]])
    np.testing.assert_allclose(activations.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(activations.relu(z), [[0, 0.5, 2]])
    np.testing.assert_allclose(activations.leaky_relu(z), [[-0.2, 0.5, 2]])  # Keras: slope 0.2
    np.testing.assert_allclose(activations.elu(z), [[np.expm1(-1), 0.5, 2]])
    np.testing.assert_allclose(activations.softplus(z), np.log1p(np.exp(z)), rtol=1e-12)
    np.testing.assert_allclose(activations.swish(z), z / (1 + np.exp(-z)), rtol=1e-12)
    # exact GELU: z Φ(z); Φ(-1) = 0.15865525393145707, Φ(0.5) = 0.6914624612740131
    np.testing.assert_allclose(activations.gelu(z)[0, :2],
                               [-0.15865525393145707, 0.5 * 0.6914624612740131], rtol=1e-7)
    e = np.exp(z)
    np.testing.assert_allclose(activations.softmax(z), e / e.sum(), rtol=1e-12)
    np.testing.assert_allclose(activations.softmax(z + 1000.0), e / e.sum(), rtol=1e-12)


# --------------------------------------------------------------------------- losses
def _probabilities(rng, n, k):
    p = rng.uniform(0.05, 1.0, (n, k))
    return p / p.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("backend", ["scipy", "math.erf"])
def test_erf_matches_python_with_and_without_scipy(backend, monkeypatch):
    """GELU's erf: SciPy's when installed, else math.erf element by element; same values."""
    import math

    if backend == "scipy":
        pytest.importorskip("scipy")
        monkeypatch.setattr(activations, "_erf_ufunc", None)
    else:
        monkeypatch.setattr(activations, "_erf_ufunc", np.frompyfunc(math.erf, 1, 1))
    x = np.linspace(-6, 6, 101)
    got = activations.erf(x)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [math.erf(v) for v in x], rtol=1e-14, atol=1e-15)


def _loss_cases():
    """(id, loss, y, y_pred) with y_pred away from clipping limits and kinks."""
    rng = np.random.default_rng(1)
    n, k = 5, 4
    labels = rng.integers(0, k, n)
    onehot = np.eye(k)[labels]
    soft = _probabilities(rng, n, k)  # soft labels are allowed by categorical CE
    y_bin = rng.integers(0, 2, (n, 3)).astype(np.float64)
    y_reg = rng.standard_normal((n, 3))
    mae_pred = y_reg + away_from_zero(rng, (n, 3), 0.05, 1.0)
    return [
        ("mse", losses.get("mse"), y_reg, rng.standard_normal((n, 3))),
        ("mse_1d_target", losses.MeanSquaredError(), y_reg[:, 0], rng.standard_normal((n, 1))),
        ("mae", losses.get("mae"), y_reg, mae_pred),
        ("bce", losses.BinaryCrossentropy(), y_bin, rng.uniform(0.05, 0.95, (n, 3))),
        ("bce_soft_labels", losses.BinaryCrossentropy(), rng.uniform(0, 1, (n, 3)),
         rng.uniform(0.05, 0.95, (n, 3))),
        ("bce_logits", losses.BinaryCrossentropy(from_logits=True), y_bin,
         3 * rng.standard_normal((n, 3))),
        ("cce", losses.CategoricalCrossentropy(), onehot, _probabilities(rng, n, k)),
        ("cce_unnormalised", losses.CategoricalCrossentropy(), soft,
         rng.uniform(0.05, 1.0, (n, k))),
        ("cce_logits", losses.CategoricalCrossentropy(from_logits=True), soft,
         3 * rng.standard_normal((n, k))),
        ("scce", losses.SparseCategoricalCrossentropy(), labels, _probabilities(rng, n, k)),
        ("scce_unnormalised", losses.SparseCategoricalCrossentropy(), labels,
         rng.uniform(0.05, 1.0, (n, k))),
        ("scce_logits", losses.SparseCategoricalCrossentropy(from_logits=True), labels,
         3 * rng.standard_normal((n, k))),
    ]


LOSS_CASES = _loss_cases()


@pytest.mark.parametrize("case", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
def test_loss_gradient(case, float64):
    _, loss, y, y_pred = case
    y_pred = y_pred.copy()
    grad = loss.backward(y, y_pred)
    assert grad.shape == y_pred.shape
    numeric = numerical_grad(lambda: float(loss.forward(y, y_pred)), y_pred)
    assert_grad_close(grad, numeric)


FUSED = [
    ("bce", losses.BinaryCrossentropy(), activations.sigmoid, "binary"),
    ("cce", losses.CategoricalCrossentropy(), activations.softmax, "onehot"),
    ("scce", losses.SparseCategoricalCrossentropy(), activations.softmax, "sparse"),
]


def _targets(kind, rng, n, k):
    if kind == "binary":
        return rng.integers(0, 2, (n, k)).astype(np.float64)
    labels = rng.integers(0, k, n)
    return labels if kind == "sparse" else np.eye(k)[labels]


@pytest.mark.parametrize("case", FUSED, ids=[c[0] for c in FUSED])
def test_fused_loss_gradient(case, float64):
    """``backward_fused(y, f(z))`` is ``d forward_fused(y, z) / dz``, and equals the unfused
    chain ``f.backward(z, a, loss.backward(y, a))``."""
    _, loss, f, kind = case
    rng = np.random.default_rng(2)
    n, k = 6, 4
    y = _targets(kind, rng, n, k)
    z = 2 * rng.standard_normal((n, k))
    a = f.forward(z)
    dz = loss.backward_fused(y, a)
    numeric = numerical_grad(lambda: float(loss.forward_fused(y, z)), z)
    assert_grad_close(dz, numeric)
    # the fused value and gradient are those of the two steps done separately
    np.testing.assert_allclose(loss.forward_fused(y, z), loss.forward(y, a), rtol=1e-10)
    assert_grad_close(dz, f.backward(z, a, loss.backward(y, a)), 1e-9)


@pytest.mark.parametrize("case", FUSED, ids=[c[0] for c in FUSED])
def test_cross_entropy_is_stable_for_saturated_outputs(case):
    """Logits of ±1000: no NaN or inf, whether fused, from logits or from probabilities."""
    name, loss, f, kind = case
    rng = np.random.default_rng(3)
    n, k = 4, 3
    y = _targets(kind, rng, n, k)
    z = np.where(rng.random((n, k)) < 0.5, -1000.0, 1000.0).astype(np.float32)
    a = f.forward(z)
    from_logits = type(loss)(from_logits=True)
    values = [loss.forward_fused(y, z), loss.forward(y, a), from_logits.forward(y, z)]
    grads = [loss.backward_fused(y, a), loss.backward(y, a), from_logits.backward(y, z)]
    assert all(np.isfinite(v) for v in values), values
    assert all(np.all(np.isfinite(g)) for g in grads)
    # a wrong confident prediction costs about |z| in the exact (fused) form
    assert loss.forward_fused(y, z) > 100 or np.all(loss.backward_fused(y, a) == 0)


def test_sparse_and_categorical_agree(float64):
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 5, 7)
    z = rng.standard_normal((7, 5))
    a = activations.softmax(z)
    sparse, dense = losses.SparseCategoricalCrossentropy(), losses.CategoricalCrossentropy()
    onehot = np.eye(5)[labels]
    np.testing.assert_allclose(sparse.forward_fused(labels, z), dense.forward_fused(onehot, z))
    np.testing.assert_allclose(sparse.backward_fused(labels, a), dense.backward_fused(onehot, a))
    np.testing.assert_allclose(sparse.forward(labels, a), dense.forward(onehot, a))
    # hand-worked: -mean log p[y]
    np.testing.assert_allclose(sparse.forward(labels, a),
                               -np.mean(np.log(a[np.arange(7), labels])), rtol=1e-12)


# --------------------------------------------------------------------------- layers
def check_layer(layer, x: np.ndarray, rng, training: bool = False, fresh=None) -> None:
    """Check ``dx`` and every ``grads[name]`` of ``layer`` against central differences of
    ``L = Σ dy · layer.forward(x)``. ``fresh()`` rebuilds the layer's randomness (Dropout)."""
    x = x.copy()
    y = layer(x, training=training)
    dy = rng.standard_normal(y.shape)

    def loss():
        if fresh is not None:
            fresh()
        return float(np.sum(dy * layer.forward(x, training=training)))

    if fresh is not None:
        fresh()
    layer.forward(x, training=training)
    dx = layer.backward(dy)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    assert dx.shape == x.shape
    assert_grad_close(dx, numerical_grad(loss, x))
    for k, p in layer.params.items():
        assert p.dtype == np.float64
        assert_grad_close(analytic[k], numerical_grad(loss, p))


@pytest.mark.parametrize("activation", [None, *ACTIVATIONS])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_gradient(activation, use_bias, float64):
    glassnet.utils.set_random_seed(5)  # the weights: independent of the tests run before
    rng = np.random.default_rng(5)
    layer = layers.Dense(3, activation=activation, use_bias=use_bias,
                         bias_initializer="random_normal")
    x = rng.standard_normal((4, 5))
    layer(x)  # build
    if activation in ("relu", "leaky_relu"):  # keep z = xW + b away from the kink
        z = x @ layer.W + (layer.b if use_bias else 0)
        assert np.abs(z).min() > 1e-3
    check_layer(layer, x, rng)
    assert sorted(layer.grads) == (["bias", "kernel"] if use_bias else ["kernel"])


def test_dense_hand_worked_example():
    """The docstring's example: x = [1, 2], W = [[0.5], [-1]], b = [0.25]: z = -1.25."""
    layer = layers.Dense(1, activation="relu")
    layer.build((2,))
    layer.set_weights([np.array([[0.5], [-1.0]]), np.array([0.25])])
    a = layer(np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(layer.z, [[-1.25]])
    np.testing.assert_allclose(a, [[0.0]])
    dx = layer.backward(np.array([[1.0]], np.float32))
    assert np.all(layer.dW == 0) and np.all(layer.db == 0) and np.all(dx == 0)


def test_dense_need_input_grad_false_skips_dx(float64):
    rng = np.random.default_rng(6)
    layer = layers.Dense(2)
    x = rng.standard_normal((3, 4))
    layer(x)
    layer.need_input_grad = False
    assert layer.backward(rng.standard_normal((3, 2))) is None
    assert np.any(layer.dW != 0)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer_gradient(name, float64):
    rng = np.random.default_rng(7)
    check_layer(layers.Activation(name), away_from_zero(rng, (3, 4)), rng)


def test_flatten_gradient(float64):
    rng = np.random.default_rng(8)
    layer = layers.Flatten()
    x = rng.standard_normal((2, 3, 4))
    assert layer(x).shape == (2, 12)
    check_layer(layer, x, rng)


def test_dropout_gradient_with_fixed_mask(float64):
    """A Dropout rebuilt with the same seed draws the same mask, so the training-mode
    forward is a fixed linear map ``x ↦ x·m/(1-rate)`` that central differences can check."""
    rng = np.random.default_rng(9)
    layer = layers.Dropout(0.4, seed=11)

    def fresh():
        layer._rng = np.random.default_rng(11)

    x = rng.standard_normal((5, 6))
    check_layer(layer, x, rng, training=True, fresh=fresh)
    fresh()
    y = layer.forward(x, training=True)
    kept = y != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(y[kept], x[kept] / 0.6)  # inverted dropout: scaled by 1/(1-rate)


# --------------------------------------------------------------------------- whole models
def check_model_gradients(model: glassnet.Sequential, x, y, max_params: int = 400) -> int:
    """Compare the backpropagated ``model._grad`` with central differences of the loss in
    ``model.parameters.theta``, for any compiled model (without randomness such as Dropout).

    The model is compiled with ``SGD(learning_rate=0)`` so that ``train_step`` runs the real
    forward, loss, backward and optimizer step without changing ``θ``.
    Returns the number of parameters checked.
    """
    model.compile(optimizer=optimizers.SGD(learning_rate=0.0), loss=model.loss,
                  metrics=model.compiled.metric_spec)
    x, y = model.prepare(x, y, training=True)
    theta = model.bind().theta
    theta0 = theta.copy()
    model.train_step(x, y)
    np.testing.assert_array_equal(theta, theta0)  # lr = 0: θ unchanged
    n = model.parameters.n_trainable
    analytic = model.parameters.grad[:n].copy()

    def loss() -> float:
        return float(model.compiled.loss_value(y, model.graph.forward(x)))

    rng = np.random.default_rng(0)
    index = np.arange(n) if n <= max_params else rng.choice(n, max_params, replace=False)
    numeric = np.empty(len(index))
    for j, i in enumerate(index):
        old = theta[i]
        theta[i] = old + EPS
        f_plus = loss()
        theta[i] = old - EPS
        f_minus = loss()
        theta[i] = old
        numeric[j] = (f_plus - f_minus) / (2 * EPS)
    assert_grad_close(analytic[index], numeric)
    return len(index)


def _model_cases():
    L = layers
    return [
        ("tanh_softmax_scce", lambda: [L.Dense(5, activation="tanh"),
                                       L.Dense(3, activation="softmax")],
         "sparse_categorical_crossentropy", "sparse", True),
        ("flatten_sigmoid_bce", lambda: [L.Flatten(), L.Dense(4, activation="sigmoid"),
                                         L.Dense(1, activation="sigmoid")],
         "binary_crossentropy", "binary1", True),
        ("elu_activation_softmax_cce", lambda: [L.Dense(4, activation="elu"), L.Dense(3),
                                                L.Activation("softmax")],
         "categorical_crossentropy", "onehot", True),
        ("gelu_nobias_mse", lambda: [L.Dense(3, activation="gelu", use_bias=False),
                                     L.Dense(2)], "mse", "regression", False),
        ("swish_logits_scce", lambda: [L.Dense(4, activation="swish"), L.Dense(3)],
         losses.SparseCategoricalCrossentropy(from_logits=True), "sparse", False),
        ("softplus_leaky_bce_logits", lambda: [L.Dense(4, activation="softplus"),
                                               L.Dense(3, activation="leaky_relu"),
                                               L.Dense(2)],
         losses.BinaryCrossentropy(from_logits=True), "binary", False),
        ("softmax_mse_unfused", lambda: [L.Dense(4, activation="sigmoid"),
                                         L.Dense(3, activation="softmax")],
         "mse", "onehot", False),
        ("relu_tutorial_shape", lambda: [L.Flatten(), L.Dense(6, activation="relu"),
                                         L.Dense(3, activation="softmax")],
         "sparse_categorical_crossentropy", "sparse", True),
    ]


MODEL_CASES = _model_cases()


@pytest.mark.parametrize("case", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_whole_model_gradient(case, float64):
    _, make_layers, loss, kind, fused = case
    glassnet.utils.set_random_seed(21)
    rng = np.random.default_rng(21)
    n = 6
    x = rng.standard_normal((n, 2, 3))
    if not isinstance(make_layers()[0], layers.Flatten):
        x = x.reshape(n, 6)
    model = glassnet.Sequential(make_layers())
    model.compile(optimizer="sgd", loss=loss)
    out = model.predict(x, verbose=0)
    k = out.shape[-1]
    y = {"sparse": lambda: rng.integers(0, k, n),
         "onehot": lambda: np.eye(k)[rng.integers(0, k, n)],
         "binary": lambda: rng.integers(0, 2, (n, k)).astype(float),
         "binary1": lambda: rng.integers(0, 2, n).astype(float),
         "regression": lambda: rng.standard_normal((n, k))}[kind]()
    assert model.bind().theta.dtype == np.float64
    assert model.compiled_outputs()[0].fused is fused
    for layer in model.layers:  # no relu-like kink within reach of ε
        if getattr(layer, "activation", None) in (activations.relu, activations.leaky_relu):
            assert np.abs(layer.z).min() > 1e-4
    checked = check_model_gradients(model, x, y)
    assert checked == model.parameters.n_trainable == model.count_params()


def test_model_gradient_with_sampled_parameters(float64):
    """The tutorial's 784-…-10 shape (narrower), checking a random sample of parameters."""
    glassnet.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    model = glassnet.Sequential([layers.Flatten(input_shape=(28, 28)),
                                 layers.Dense(16, activation="tanh"),
                                 layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = rng.random((8, 28, 28))
    y = rng.integers(0, 10, 8)
    assert check_model_gradients(model, x, y, max_params=300) == 300


def test_gradient_check_detects_a_wrong_gradient(float64):
    """The checker itself must fail on a wrong derivative (here: ReLU's slope doubled)."""

    class BadReLU(activations.ReLU):
        name = "bad_relu"

        def backward(self, z, a, da):
            return 2 * da * (z > 0)

    glassnet.utils.set_random_seed(5)
    rng = np.random.default_rng(5)
    model = glassnet.Sequential([layers.Dense(4, activation=BadReLU()), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    with pytest.raises(AssertionError, match="relative error"):
        check_model_gradients(model, x, y)
