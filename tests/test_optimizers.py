"""Each optimizer against its update rule, written out here, step by step on hand-made values.

The rules are Keras's (keras/src/optimizers/*.py), with η the learning rate and t the step
number from 1. The reference below is plain float64 arithmetic on Python lists of numbers,
independent of the library's in-place vector code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import legacy, optimizers

THETA0 = [0.5, -1.0, 2.0, 0.0]
GRADS = [[0.5, -0.25, 1.5, 0.0], [0.1, 0.3, -2.0, 0.0], [-0.4, 0.05, 0.7, 1e-3]]


def run(optimizer, dtype=np.float64, grads=GRADS) -> list[np.ndarray]:
    """θ after each step of ``optimizer`` on THETA0 with the gradients GRADS."""
    theta = np.array(THETA0, dtype)
    out = []
    for g in grads:
        optimizer.step(theta, np.array(g, dtype))
        out.append(theta.copy())
    return out


# ----------------------------------------------------------------- the rules, written out
def ref_sgd(lr, momentum=0.0, nesterov=False):
    theta, v, out = list(THETA0), [0.0] * len(THETA0), []
    for g in GRADS:
        for i, gi in enumerate(g):
            if momentum == 0:
                theta[i] -= lr * gi                      # θ ← θ - ηg
                continue
            v[i] = momentum * v[i] - lr * gi             # v ← μv - ηg
            if nesterov:
                theta[i] += momentum * v[i] - lr * gi    # θ ← θ + μv - ηg
            else:
                theta[i] += v[i]                         # θ ← θ + v
        out.append(list(theta))
    return out


def ref_adam(lr, b1, b2, eps, weight_decay=0.0):
    theta, m, v, out = list(THETA0), [0.0] * 4, [0.0] * 4, []
    for t, g in enumerate(GRADS, start=1):
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)  # bias correction folded into η
        for i, gi in enumerate(g):
            theta[i] -= lr * weight_decay * theta[i]     # AdamW: decoupled decay first
            m[i] += (1 - b1) * (gi - m[i])               # m ← m + (1-β₁)(g - m)
            v[i] += (1 - b2) * (gi * gi - v[i])          # v ← v + (1-β₂)(g² - v)
            theta[i] -= alpha * m[i] / (math.sqrt(v[i]) + eps)  # Keras: ε added to √v
        out.append(list(theta))
    return out


def ref_rmsprop(lr, rho, eps, momentum=0.0, centered=False):
    theta, v, s, gm, out = list(THETA0), [0.0] * 4, [0.0] * 4, [0.0] * 4, []
    for g in GRADS:
        for i, gi in enumerate(g):
            v[i] = rho * v[i] + (1 - rho) * gi * gi      # v ← ρv + (1-ρ)g²
            denominator = v[i] + eps
            if centered:
                gm[i] = rho * gm[i] + (1 - rho) * gi     # ḡ ← ρḡ + (1-ρ)g
                denominator = v[i] - gm[i] ** 2 + eps
            increment = lr * gi / math.sqrt(denominator)  # Keras: ε inside the root
            if momentum:
                s[i] = momentum * s[i] + increment
                theta[i] -= s[i]
            else:
                theta[i] -= increment
        out.append(list(theta))
    return out


def ref_adagrad(lr, initial, eps):
    theta, G, out = list(THETA0), [initial] * 4, []
    for g in GRADS:
        for i, gi in enumerate(g):
            G[i] += gi * gi                              # G ← G + g²
            theta[i] -= lr * gi / math.sqrt(G[i] + eps)  # θ ← θ - ηg / √(G + ε)
        out.append(list(theta))
    return out


CASES = [
    ("sgd_default", lambda: optimizers.SGD(), lambda: ref_sgd(0.01)),
    ("sgd_lr", lambda: optimizers.SGD(0.3), lambda: ref_sgd(0.3)),
    ("sgd_momentum", lambda: optimizers.SGD(0.1, momentum=0.9), lambda: ref_sgd(0.1, 0.9)),
    ("sgd_nesterov", lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
     lambda: ref_sgd(0.1, 0.9, True)),
    ("adam_default", lambda: optimizers.Adam(), lambda: ref_adam(1e-3, 0.9, 0.999, 1e-7)),
    ("adam_custom", lambda: optimizers.Adam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
     lambda: ref_adam(0.1, 0.8, 0.99, 1e-3)),
    ("adamw_default", lambda: optimizers.AdamW(),
     lambda: ref_adam(1e-3, 0.9, 0.999, 1e-7, weight_decay=0.004)),
    ("adamw_custom", lambda: optimizers.AdamW(0.05, weight_decay=0.1),
     lambda: ref_adam(0.05, 0.9, 0.999, 1e-7, weight_decay=0.1)),
    ("rmsprop_default", lambda: optimizers.RMSprop(), lambda: ref_rmsprop(1e-3, 0.9, 1e-7)),
    ("rmsprop_momentum", lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5),
     lambda: ref_rmsprop(0.01, 0.8, 1e-7, momentum=0.5)),
    ("rmsprop_centered", lambda: optimizers.RMSprop(0.01, centered=True, epsilon=1e-3),
     lambda: ref_rmsprop(0.01, 0.9, 1e-3, centered=True)),
    ("adagrad_default", lambda: optimizers.Adagrad(), lambda: ref_adagrad(1e-3, 0.1, 1e-7)),
    ("adagrad_custom", lambda: optimizers.Adagrad(0.5, initial_accumulator_value=0.01),
     lambda: ref_adagrad(0.5, 0.01, 1e-7)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_step_by_step_float64(case):
    _, make, reference = case
    for step, (got, want) in enumerate(zip(run(make()), reference()), start=1):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_step_by_step_float32(case):
    """The model's real dtype. Compare the *changes* of θ, which are small next to θ."""
    _, make, reference = case
    got = run(make(), np.float32)
    assert all(g.dtype == np.float32 for g in got)
    want = np.array(reference())
    np.testing.assert_allclose(np.array(got) - THETA0, want - THETA0, rtol=2e-4, atol=1e-7)


def test_adam_first_step_by_hand():
    """Hand-worked: at t = 1, m = 0.1g, v = 0.001g², η₁ = η·√0.001/0.1, so the step is
    η·g/(|g| + ε/√0.001) ≈ η·sign(g): every weight moves by about η, whatever |g| is."""
    opt = optimizers.Adam(learning_rate=0.01)
    theta = np.array([1.0, 1.0, 1.0])
    opt.step(theta, np.array([0.5, -2.0, 1e-4]))
    expected_step = 0.01 * np.array([0.5, -2.0, 1e-4]) / (
        np.abs([0.5, -2.0, 1e-4]) + 1e-7 / math.sqrt(0.001))
    np.testing.assert_allclose(1.0 - theta, expected_step, rtol=1e-12)
    np.testing.assert_allclose(1.0 - theta[:2], [0.01, -0.01], rtol=1e-5)
    assert opt.iterations == 1


def test_sgd_momentum_by_hand():
    """θ = 1, g = 1 each step, η = 0.1, μ = 0.9: v = -0.1, -0.19, -0.271; θ = 0.9, 0.71, 0.439."""
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    theta = np.array([1.0])
    for expected in (0.9, 0.71, 0.439):
        opt.step(theta, np.array([1.0]))
        np.testing.assert_allclose(theta, [expected], rtol=1e-12)


def test_state_is_allocated_once_and_updated_in_place():
    opt = optimizers.Adam()
    theta = np.zeros(4, np.float32)
    opt.step(theta, np.ones(4, np.float32))
    m, v = opt.state["m"], opt.state["v"]
    for _ in range(3):
        opt.step(theta, np.ones(4, np.float32))
    assert opt.state["m"] is m and opt.state["v"] is v
    assert m.dtype == np.float32 and opt.iterations == 4


def test_learning_rate_change_takes_effect():
    """Callbacks change ``optimizer.learning_rate`` between steps; the next step must use it."""
    opt = optimizers.SGD(learning_rate=0.1)
    theta = np.array([1.0])
    opt.step(theta, np.array([1.0]))
    opt.learning_rate = 0.01
    opt.step(theta, np.array([1.0]))
    np.testing.assert_allclose(theta, [1.0 - 0.1 - 0.01])


DEFAULTS = {
    "sgd": (optimizers.SGD, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    "adam": (optimizers.Adam, {"learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999,
                               "epsilon": 1e-7}),
    "adamw": (optimizers.AdamW, {"learning_rate": 1e-3, "weight_decay": 0.004, "beta_1": 0.9,
                                 "beta_2": 0.999, "epsilon": 1e-7}),
    "rmsprop": (optimizers.RMSprop, {"learning_rate": 1e-3, "rho": 0.9, "momentum": 0.0,
                                     "epsilon": 1e-7, "centered": False}),
    "adagrad": (optimizers.Adagrad, {"learning_rate": 1e-3, "initial_accumulator_value": 0.1,
                                     "epsilon": 1e-7}),
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_keras_defaults_by_name_and_class(name):
    cls, defaults = DEFAULTS[name]
    for opt in (optimizers.get(name), optimizers.get(name.upper()), optimizers.get(cls), cls()):
        assert type(opt) is cls
        for key, value in defaults.items():
            assert getattr(opt, key) == value, (name, key)
    model = glassnet.Sequential([glassnet.layers.Dense(1)])
    model.compile(optimizer=name, loss="mse")
    assert type(model.optimizer) is cls
    assert model.optimizer.learning_rate == defaults["learning_rate"]
    # compile's default is Keras's: rmsprop
    model.compile(loss="mse")
    assert type(model.optimizer) is optimizers.RMSprop


@pytest.mark.parametrize("name", DEFAULTS)
def test_config_round_trip(name):
    cls, _ = DEFAULTS[name]
    opt = cls(learning_rate=0.123)
    again = optimizers.get(opt.get_config())
    assert type(again) is cls and again.learning_rate == pytest.approx(0.123)
    assert again.get_config() == opt.get_config()


def test_unknown_optimizer_name_suggests_the_closest():
    with pytest.raises(ValueError, match="adam"):
        optimizers.get("adm")


@pytest.mark.parametrize("name", DEFAULTS)
def test_docstring_writes_out_the_update_rule(name):
    cls, _ = DEFAULTS[name]
    assert "θ ←" in cls.__doc__


# ---------------------------------------------------------------- Keras 2 spellings and clipping
def test_learning_rate_is_a_number_with_assign():
    opt = optimizers.Adam(learning_rate=0.01)
    lr = opt.learning_rate
    assert lr == 0.01 and lr * 2 == 0.02 and f"{lr:.3f}" == "0.010" and float(lr) == 0.01
    lr.assign(0.002)  # Keras 3: optimizer.learning_rate is a variable
    assert opt.learning_rate == 0.002
    opt.learning_rate = 0.003
    assert opt.learning_rate == 0.003 and opt.get_config()["learning_rate"] == 0.003


@pytest.fixture
def fresh_warnings(monkeypatch):
    """The Keras 2 spellings warn once per process: forget earlier warnings."""
    monkeypatch.setattr(legacy, "_WARNED", set())


def test_lr_alias_and_backend_get_set_value(fresh_warnings):
    opt = optimizers.SGD(learning_rate=0.1)
    with pytest.warns(UserWarning, match="learning_rate"):
        assert opt.lr == pytest.approx(0.1)
    assert glassnet.backend.get_value(opt.lr) == pytest.approx(0.1)
    glassnet.backend.set_value(opt.lr, 0.01)
    assert opt.learning_rate == pytest.approx(0.01)
    opt.lr = 0.5
    assert opt.learning_rate == 0.5
    theta = np.zeros(2, np.float32)
    opt.step(theta, np.ones(2, np.float32))
    np.testing.assert_allclose(theta, [-0.5, -0.5])
    with pytest.raises(TypeError, match="learning_rate = 0.1"):
        glassnet.backend.set_value(0.3, 0.1)


def test_keras2_lr_and_decay_arguments(fresh_warnings):
    with pytest.warns(UserWarning, match="learning_rate="):
        opt = optimizers.Adam(lr=0.02)
    assert opt.learning_rate == 0.02
    with pytest.warns(UserWarning, match="InverseTimeDecay"):
        sgd = optimizers.SGD(learning_rate=1.0, decay=0.5)
    theta = np.zeros(1)
    for _ in range(3):  # Keras 2: lr / (1 + decay · t) for t = 0, 1, 2
        sgd.step(theta, np.ones(1))
    np.testing.assert_allclose(theta, [-(1 + 1 / 1.5 + 1 / 2)])
    with pytest.raises(TypeError, match="unknown arguments \\['betta_1'\\]"):
        optimizers.Adam(betta_1=0.8)
    assert optimizers.legacy.Adam is optimizers.Adam
    from glassnet.keras.optimizers.legacy import SGD

    assert SGD is optimizers.SGD


def test_clipvalue_and_global_clipnorm():
    opt = optimizers.SGD(learning_rate=1.0, clipvalue=0.5)
    theta = np.zeros(3)
    opt.step(theta, np.array([2.0, -0.1, -3.0]))
    np.testing.assert_allclose(theta, [-0.5, 0.1, 0.5])
    opt = optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)
    theta = np.zeros(2)
    opt.step(theta, np.array([3.0, 4.0]))
    np.testing.assert_allclose(theta, [-0.6, -0.8])
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    assert optimizers.get(optimizers.SGD(clipvalue=0.5).get_config()).clipvalue == 0.5


def test_clipnorm_per_weight_array():
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=1.0)
    opt.variable_slices = [slice(0, 2), slice(2, 3)]  # e.g. a kernel and a bias
    theta = np.zeros(3)
    opt.step(theta, np.array([3.0, 4.0, 0.5]))
    np.testing.assert_allclose(theta, [-0.6, -0.8, -0.5])


def test_weight_decay_for_any_optimizer_is_adamws():
    """Keras 3's weight_decay argument of every optimizer: θ ← θ - ηλθ before the update."""
    got = run(optimizers.Adam(learning_rate=0.1, weight_decay=0.1))
    np.testing.assert_allclose(got, ref_adam(0.1, 0.9, 0.999, 1e-7, weight_decay=0.1),
                               rtol=1e-12)
    np.testing.assert_array_equal(got, run(optimizers.AdamW(learning_rate=0.1,
                                                            weight_decay=0.1)))


def test_backend_helpers_and_utils_normalize():
    from glassnet import backend, utils

    assert backend.epsilon() == 1e-7 and backend.image_data_format() == "channels_last"
    assert backend.floatx() == "float32"
    np.testing.assert_allclose(utils.normalize([[3.0, 4.0], [0.0, 0.0]]), [[0.6, 0.8], [0, 0]])
    np.testing.assert_allclose(utils.normalize([[3.0], [4.0]], axis=0), [[0.6], [0.8]])
    w = np.zeros(2)
    backend.set_value(w, [1.0, 2.0])
    np.testing.assert_array_equal(backend.get_value(w), [1, 2])
    with pytest.raises(ValueError, match="channels_last"):
        backend.set_image_data_format("channels_first")
