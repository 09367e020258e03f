"""Regularizers: Keras's penalties and names, their gradients, and their place in
``Dense``/``Conv2D``'s backward pass (``layer.losses``, ``add_regularization_grads``)."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, away_from_zero, numerical_grad

import glassnet
from glassnet import layers, regularizers
from glassnet.errors import UnknownNameError


def test_keras_documented_examples():
    # keras.regularizers.Regularizer docstring: L2(2.) on ones(5, 5) is 50
    assert regularizers.L2(2.0)(np.ones((5, 5))) == pytest.approx(50.0)
    # ... and Dense(5, kernel 'ones', L1(0.01) on W, L2(0.01) on the output) on 2·ones(5, 5):
    # kernel term 0.01 · 25 = 0.25; activity 0.01 · 25 · 10² / batch 5 = 5.0; sum 5.25
    layer = layers.Dense(5, input_dim=5, kernel_initializer="ones",
                         kernel_regularizer=regularizers.L1(0.01),
                         activity_regularizer=regularizers.L2(0.01))
    layer(np.ones((5, 5)) * 2.0)
    assert layer.losses == pytest.approx([0.25, 5.0])
    assert sum(layer.losses) == pytest.approx(5.25)


def test_penalties_by_hand():
    W = np.array([[1.0, -2.0], [3.0, -4.0]])
    assert regularizers.l1(0.1)(W) == pytest.approx(1.0)
    assert regularizers.l2(0.01)(W) == pytest.approx(0.3)
    assert regularizers.l1_l2(l1=0.1, l2=0.01)(W) == pytest.approx(1.3)
    np.testing.assert_allclose(regularizers.l2(0.01).gradient(W), 0.02 * W)
    np.testing.assert_allclose(regularizers.l1(0.1).gradient(W), 0.1 * np.sign(W))


def test_defaults_as_keras():
    assert regularizers.L1().l1 == 0.01 and regularizers.L2().l2 == 0.01
    assert (regularizers.L1L2().l1, regularizers.L1L2().l2) == (0.0, 0.0)
    assert (regularizers.l1_l2().l1, regularizers.l1_l2().l2) == (0.01, 0.01)
    assert regularizers.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}


@pytest.mark.parametrize("reg", [
    regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4),
    regularizers.OrthogonalRegularizer(0.5), regularizers.OrthogonalRegularizer(0.5, "columns"),
])
def test_penalty_gradient(reg, float64):
    rng = np.random.default_rng(0)
    W = away_from_zero(rng, (4, 3))
    assert_grad_close(reg.gradient(W), numerical_grad(lambda: reg(W), W))


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows():
    reg = regularizers.OrthogonalRegularizer(factor=1.0, mode="columns")
    assert reg(np.eye(4)[:, :3] * 5) == pytest.approx(0.0)
    # two equal columns: |cos| = 1 for the single pair: 1 · ½ · 2 / 1 = 1
    assert reg(np.array([[1.0, 1.0], [2.0, 2.0]])) == pytest.approx(1.0)


def test_get_accepts_names_dicts_objects_none():
    assert regularizers.get(None) is None
    r = regularizers.L2(0.5)
    assert regularizers.get(r) is r
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    assert isinstance(regularizers.get("L1"), regularizers.L1)
    assert isinstance(regularizers.get(regularizers.L1L2), regularizers.L1L2)
    got = regularizers.get({"class_name": "L2", "config": {"l2": 0.001}})
    assert isinstance(got, regularizers.L2) and got.l2 == 0.001


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(UnknownNameError, match="'l3'.*l1, l1_l2, l2"):
        regularizers.get("l3")
    with pytest.raises(UnknownNameError):
        layers.Dense(3, kernel_regularizer="weight_decay")


def test_bad_factor_and_plain_function_name_the_fix():
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.l2(-1)
    with pytest.raises(TypeError, match="gradient"):
        regularizers.get(lambda W: 0.01 * np.sum(W ** 2))


def check_regularized_layer(layer, x, rng):
    """``backward`` gives the gradient of ``L = Σ dy·a + Σ layer.losses`` for W, b and x."""
    y = layer(x)
    dy = rng.standard_normal(y.shape)

    def loss():
        return float(np.sum(dy * layer.forward(x)) + sum(layer.losses))

    layer.forward(x)
    dx = layer.backward(dy)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    assert_grad_close(dx, numerical_grad(loss, x))
    for k, p in layer.params.items():
        assert_grad_close(analytic[k], numerical_grad(loss, p))


@pytest.mark.parametrize("activation", ["tanh", None])
def test_dense_backward_includes_every_penalty(activation, float64):
    glassnet.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    layer = layers.Dense(3, activation=activation, bias_initializer="random_normal",
                         kernel_regularizer=regularizers.L2(0.3),
                         bias_regularizer=regularizers.L1(0.2),
                         activity_regularizer=regularizers.L1L2(0.1, 0.2))
    check_regularized_layer(layer, rng.standard_normal((4, 5)), rng)


def test_conv2d_backward_includes_every_penalty(float64):
    glassnet.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    layer = layers.Conv2D(2, 3, activation="tanh", bias_initializer="random_normal",
                          kernel_regularizer="l2", bias_regularizer=regularizers.L2(0.5),
                          activity_regularizer=regularizers.L2(0.1))
    check_regularized_layer(layer, rng.standard_normal((2, 5, 5, 2)), rng)


def test_activity_gradient_passes_through_a_fused_softmax(float64):
    """With softmax fused into the loss, backward receives dL/dz; the activity penalty's
    dR/da must still go through softmax's Jacobian."""
    glassnet.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    layer = layers.Dense(4, activation="softmax", activity_regularizer=regularizers.L2(0.5))
    x = rng.standard_normal((3, 5))
    layer(x)
    layer.fused_activation = True
    dz = rng.standard_normal((3, 4))  # what the fused loss would pass

    def loss():  # Σ dz·z + R(a)/batch
        layer.forward(x)
        return float(np.sum(dz * layer.z) + sum(layer.losses))

    layer.forward(x)
    layer.backward(dz)
    assert_grad_close(layer.dW.copy(), numerical_grad(loss, layer.W))


def test_losses_without_regularizers_is_empty():
    layer = layers.Dense(2)
    layer(np.ones((1, 3)))
    assert layer.losses == [] and layers.Flatten().losses == []


def test_config_round_trip_and_model_file(tmp_path):
    layer = layers.Dense(3, kernel_regularizer=regularizers.l1_l2(0.001, 0.002),
                         bias_regularizer="l2", activity_regularizer=regularizers.L1(0.5))
    config = layer.get_config()
    assert config["kernel_regularizer"] == {"class_name": "L1L2",
                                            "config": {"l1": 0.001, "l2": 0.002}}
    again = layers.Dense.from_config(config)
    for key in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        assert type(getattr(again, key)) is type(getattr(layer, key))
        assert getattr(again, key).get_config() == getattr(layer, key).get_config()
    assert "kernel_regularizer" not in layers.Dense(3).get_config()  # old files unchanged

    model = glassnet.Sequential([layers.Input((4,)), layer, layers.Dense(1)])
    model.compile(loss="mse")
    model.save(tmp_path / "m.glassnet")
    loaded = glassnet.load_model(tmp_path / "m.glassnet")
    assert loaded.layers[0].kernel_regularizer.get_config() == {"l1": 0.001, "l2": 0.002}
    assert loaded.layers[0].activity_regularizer.l1 == 0.5


def test_training_with_l2_shrinks_the_weights():
    """fit's gradient includes dR/dW (added in Dense.backward): a strong L2 penalty gives
    a much smaller kernel than the same run without it."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6)).astype("float32")
    y = x @ rng.standard_normal((6, 1)).astype("float32")

    def kernel_norm(reg):
        glassnet.utils.set_random_seed(0)
        model = glassnet.Sequential([layers.Input((6,)),
                                     layers.Dense(1, kernel_regularizer=reg)])
        model.compile(optimizer=glassnet.optimizers.SGD(0.05), loss="mse")
        model.fit(x, y, epochs=20, batch_size=16, verbose=0)
        W = model.layers[0].W
        # the penalty reported by layer.losses is the regularizer on the live kernel
        if reg is not None:
            assert model.layers[0].losses == pytest.approx([reg(W)])
        return float(np.linalg.norm(W))

    free, shrunk = kernel_norm(None), kernel_norm(regularizers.L2(1.0))
    assert shrunk < 0.5 * free
