"""Adadelta, Adamax and Nadam: the update rule written out on Python floats, and the values Keras
3.15.1 computed (float64, torch backend) for the same weights and gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_optimizers import GRADS, THETA0, run

import glassnet
from glassnet import optimizers


def ref_adadelta(lr, rho, eps):
    theta, G, D, out = list(THETA0), [0.0] * 4, [0.0] * 4, []
    for g in GRADS:
        for i, gi in enumerate(g):
            G[i] = rho * G[i] + (1 - rho) * gi * gi                      # G ← ρG + (1-ρ)g²
            delta = math.sqrt(D[i] + eps) / math.sqrt(G[i] + eps) * gi   # Δ
            D[i] = rho * D[i] + (1 - rho) * delta * delta                # D ← ρD + (1-ρ)Δ²
            theta[i] -= lr * delta                                       # θ ← θ - ηΔ
        out.append(list(theta))
    return out


def ref_adamax(lr, b1, b2, eps):
    theta, m, u, out = list(THETA0), [0.0] * 4, [0.0] * 4, []
    for t, g in enumerate(GRADS, start=1):
        for i, gi in enumerate(g):
            m[i] = b1 * m[i] + (1 - b1) * gi                             # m ← β₁m + (1-β₁)g
            u[i] = max(b2 * u[i], abs(gi))                               # u ← max(β₂u, |g|)
            theta[i] -= lr * m[i] / ((1 - b1**t) * (u[i] + eps))
        out.append(list(theta))
    return out


def ref_nadam(lr, b1, b2, eps):
    theta, m, v, out, U = list(THETA0), [0.0] * 4, [0.0] * 4, [], 1.0
    for t, g in enumerate(GRADS, start=1):
        u_t, u_next = b1 * (1 - 0.5 * 0.96**t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        U *= u_t                                                         # U_t = u_1 ··· u_t
        for i, gi in enumerate(g):
            m[i] = b1 * m[i] + (1 - b1) * gi
            v[i] = b2 * v[i] + (1 - b2) * gi * gi
            m_hat = u_next * m[i] / (1 - U * u_next) + (1 - u_t) * gi / (1 - U)
            v_hat = v[i] / (1 - b2**t)
            theta[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(list(theta))
    return out


KERAS = {  # keras.optimizers.X(...).apply_gradients, float64, one step per row
    "adadelta": [[0.49999858579209444, -0.9999985858090645, 1.9999985857870661, 0.0],
                 [0.49999818377939664, -1.0000001382171984, 2.000000200383807, 0.0],
                 [0.4999994662285642, -1.0000004687279498, 1.9999994901428313,
                  -8.16496580927726e-07]],
    "adadelta_1": [[0.499000001999994, -0.999000007999904, 1.9990000002222221, 0.0],
                   [0.49870827292942665, -1.0001094001620277, 2.0001523024023933, 0.0],
                   [0.49963291029262485, -1.0003509667031898, 1.9996350938122898,
                    -0.0007071067811865476]],
    "adamax": [[0.49900000019999996, -0.9990000003999998, 1.9990000000666666, 0.0],
               [0.49842047342070495, -0.9991315793035086, 1.9991710526896929, 0.0],
               [0.4983502223016612, -0.9992762503716175, 1.9991498137396275,
                -0.0003689667933575646]],
    "adamax_c": [[0.400000019999996, -0.900000039999984, 1.9000000066666662, 0.0],
                 [0.34388330855331595, -0.918518552345665, 1.9222222277777774, 0.0],
                 [0.34388330855331595, -0.9364574986707976, 1.9209803003690653,
                  -0.0409795086065164]],
    "nadam": [[0.49893721240924876, -0.9989372126218061, 1.9989372122675437, 0.0],
              [0.4986660385732743, -0.9996760915707509, 1.999711443184173, 0.0],
              [0.499253160079017, -0.9998282363172715, 1.9994446262534136,
               -0.0010683700275794154]],
    "nadam_c": [[0.3897067173055092, -0.8899264250399603, 1.889559757568408, 0.0],
                [0.3570518473462233, -0.9684078856777415, 1.972247304051791, 0.0],
                [0.4213152792323037, -0.9870725954968788, 1.9437276080127068,
                 -0.04414915797704997]],
}

CASES = [
    ("adadelta", lambda: optimizers.Adadelta(), lambda: ref_adadelta(1e-3, 0.95, 1e-7)),
    ("adadelta_1", lambda: optimizers.Adadelta(1.0, rho=0.9), lambda: ref_adadelta(1.0, 0.9, 1e-7)),
    ("adamax", lambda: optimizers.Adamax(), lambda: ref_adamax(1e-3, 0.9, 0.999, 1e-7)),
    ("adamax_c", lambda: optimizers.Adamax(0.1, beta_1=0.8, beta_2=0.99),
     lambda: ref_adamax(0.1, 0.8, 0.99, 1e-7)),
    ("nadam", lambda: optimizers.Nadam(), lambda: ref_nadam(1e-3, 0.9, 0.999, 1e-7)),
    ("nadam_c", lambda: optimizers.Nadam(0.1, beta_1=0.8, beta_2=0.99, epsilon=1e-3),
     lambda: ref_nadam(0.1, 0.8, 0.99, 1e-3)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_and_keras_values_float64(case):
    name, make, reference = case
    got = run(make())
    np.testing.assert_allclose(got, reference(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got, KERAS[name], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float32_and_chunks(case, monkeypatch):
    """float32, and θ split into chunks smaller than itself (Adadelta's second scratch)."""
    name, make, _ = case
    monkeypatch.setattr(optimizers.Optimizer, "CHUNK", 3)
    got = run(make(), np.float32)
    assert all(g.dtype == np.float32 for g in got)
    np.testing.assert_allclose(np.array(got) - THETA0, np.array(KERAS[name]) - THETA0,
                               rtol=2e-4, atol=1e-7)


@pytest.mark.parametrize("name, cls", [("adadelta", optimizers.Adadelta),
                                       ("adamax", optimizers.Adamax),
                                       ("nadam", optimizers.Nadam)])
def test_by_name_config_and_compile(name, cls):
    assert type(optimizers.get(name)) is cls and optimizers.get(name).learning_rate == 1e-3
    again = optimizers.get(cls(0.5).get_config())
    assert type(again) is cls and again.get_config() == cls(0.5).get_config()
    model = glassnet.Sequential([glassnet.layers.Dense(1)])
    model.compile(optimizer=cls(), loss="mse")
    model.fit(np.ones((4, 2)), np.ones(4), verbose=0)
    assert "θ ←" in cls.__doc__


def test_nadam_momentum_product_survives_a_new_instance_at_step_t():
    """U_t is kept between steps; an optimizer restored at step t recomputes it."""
    a = optimizers.Nadam(0.1)
    theta_a = np.array(THETA0)
    for g in GRADS:
        a.step(theta_a, np.array(g))
    b = optimizers.Nadam(0.1)
    theta_b = np.array(THETA0)
    b.step(theta_b, np.array(GRADS[0]))
    b.step(theta_b, np.array(GRADS[1]))
    c = optimizers.Nadam(0.1)  # as loaded from a file: same state and step count, no _u
    c.build(theta_b)
    c.state = {k: v.copy() for k, v in b.state.items()}
    c.iterations = b.iterations
    c.step(theta_b, np.array(GRADS[2]))
    np.testing.assert_allclose(theta_b, theta_a, rtol=1e-14)


def test_apply_gradients_steps_a_bound_model_in_place_with_the_same_numbers():
    """A model's weights bound into its θ (after fit) are stepped in place, without copies;
    the numbers are those of the same step on separate variables."""
    from glassnet.optimizers import laid_end_to_end

    glassnet.utils.set_random_seed(3)
    model = glassnet.Sequential([glassnet.Input((4,)), glassnet.layers.Dense(3, activation="relu"),
                                 glassnet.layers.Dense(2)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(3)
    model.fit(rng.standard_normal((8, 4)), rng.standard_normal((8, 2)), verbose=0)
    variables = model.trainable_variables
    assert laid_end_to_end([np.asarray(v) for v in variables]) is not None
    separate = [glassnet.Variable(v.numpy()) for v in variables]
    before = variables[0].numpy()
    assert laid_end_to_end([np.asarray(v) for v in separate]) is None
    bound_opt, separate_opt = glassnet.optimizers.Adam(0.1), glassnet.optimizers.Adam(0.1)
    for _ in range(3):
        grads = [rng.standard_normal(v.shape).astype(np.float32) for v in variables]
        bound_opt.apply_gradients(zip(grads, variables))
        separate_opt.apply_gradients(zip(grads, separate))
    for v, w in zip(variables, separate):
        np.testing.assert_array_equal(v.numpy(), w.numpy())
    assert not np.array_equal(variables[0].numpy(), before)  # it did step
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], variables[0].numpy())
