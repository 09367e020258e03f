"""Dot, ActivityRegularization, ZeroPadding1D, Cropping1D, UpSampling1D: values, gradients
(float64 central differences), models and config."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, check_layer, check_model_gradients, numerical_grad

import glassnet
from glassnet import layers
from glassnet.errors import InputError


@pytest.mark.parametrize("axes, shapes, out", [
    (1, [(3, 4), (3, 4)], (3, 1)),
    (-1, [(3, 2, 4), (3, 5, 4)], (3, 2, 5)),
    ([2, 1], [(3, 2, 4), (3, 4, 5)], (3, 2, 5)),
    ((1, 1), [(3, 4, 2), (3, 4)], (3, 2)),
])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_values_and_gradient(axes, shapes, out, normalize, float64):
    rng = np.random.default_rng(2)
    a, b = (rng.standard_normal(s) for s in shapes)
    layer = layers.Dot(axes=axes, normalize=normalize)
    y = np.asarray(layer([a, b]))
    assert y.shape == out
    a1, a2 = (axes, axes) if isinstance(axes, int) else axes
    a1, a2 = a1 % a.ndim, a2 % b.ndim
    if normalize:
        a = a / np.linalg.norm(a, axis=a1, keepdims=True)
        b_n = b / np.linalg.norm(b, axis=a2, keepdims=True)
    else:
        b_n = b
    expected = np.stack([np.tensordot(a[i], b_n[i], axes=(a1 - 1, a2 - 1)) for i in range(3)])
    np.testing.assert_allclose(y, expected.reshape(out), rtol=1e-10)

    xs = [rng.standard_normal(s) for s in shapes]
    dy = rng.standard_normal(out)

    def loss():
        return float(np.sum(dy * layer.forward(xs)))

    layer.forward(xs)
    grads = layer.backward(dy)
    for x, g in zip(xs, grads):
        assert_grad_close(g, numerical_grad(loss, x))


def test_dot_in_a_functional_model_gradient(float64):
    glassnet.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    a, b = layers.Input((3,)), layers.Input((2, 3))
    scores = layers.Dot(axes=(1, 2))([layers.Dense(3)(a), b])
    model = glassnet.Model([a, b], layers.Dense(1)(scores))
    model.compile(optimizer="sgd", loss="mse")
    x = [rng.standard_normal((5, 3)), rng.standard_normal((5, 2, 3))]
    assert check_model_gradients(model, x, rng.standard_normal((5, 1))) == 12 + 3


def test_dot_names_mismatched_axes():
    with pytest.raises(InputError, match=r"different sizes \(4 and 5\)"):
        layers.Dot(axes=1)([layers.Input((4,)), layers.Input((5,))])
    assert layers.dot([layers.Input((4,)), layers.Input((4,))], axes=1).shape == (None, 1)


def test_activity_regularization_adds_its_penalty(float64):
    glassnet.utils.set_random_seed(6)
    rng = np.random.default_rng(6)
    model = glassnet.Sequential([layers.Dense(4, activation="tanh"),
                                 layers.ActivityRegularization(l1=0.05, l2=0.1),
                                 layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    out = model.predict(x, verbose=0)
    hidden = np.tanh(x @ model.layers[0].W + model.layers[0].b)
    penalty = (0.05 * np.abs(hidden).sum() + 0.1 * (hidden ** 2).sum()) / 6
    assert model.layers[1].losses == [pytest.approx(penalty)]
    mse = float(((out - y) ** 2).mean())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + penalty)
    assert check_model_gradients(model, x, y) == 16 + 10
    assert layers.ActivityRegularization(l2=0.5).get_config()["l2"] == 0.5


@pytest.mark.parametrize("make, out_steps", [
    (lambda: layers.ZeroPadding1D(2), 9),
    (lambda: layers.ZeroPadding1D((0, 3)), 8),
    (lambda: layers.Cropping1D((1, 2)), 2),
    (lambda: layers.Cropping1D(1), 3),
    (lambda: layers.UpSampling1D(3), 15),
])
def test_1d_shape_layers_gradient(make, out_steps, float64):
    rng = np.random.default_rng(7)
    layer = make()
    x = rng.standard_normal((2, 5, 3))
    assert layer(x).shape == (2, out_steps, 3)
    assert layer.compute_output_shape((5, 3)) == (out_steps, 3)
    check_layer(layer, x, rng)


def test_1d_shape_layer_values():
    x = np.arange(6, dtype="float32").reshape(1, 3, 2)
    np.testing.assert_array_equal(layers.ZeroPadding1D((1, 0))(x),
                                  [[[0, 0], [0, 1], [2, 3], [4, 5]]])
    np.testing.assert_array_equal(layers.Cropping1D((1, 1))(x), [[[2, 3]]])
    np.testing.assert_array_equal(layers.UpSampling1D(2)(x)[0, :3], [[0, 1], [0, 1], [2, 3]])
    with pytest.raises(InputError, match="removes all 3 steps"):
        layers.Cropping1D((2, 1))(x)
    with pytest.raises(InputError, match=r"\(batch, steps, features\)"):
        layers.UpSampling1D()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="non-negative integer"):
        layers.ZeroPadding1D(-1)


def test_1d_layers_on_sequences_of_any_length():
    inputs = layers.Input((None, 4))
    y = layers.UpSampling1D(2)(layers.Cropping1D(1)(layers.ZeroPadding1D(2)(inputs)))
    model = glassnet.Model(inputs, layers.GlobalAveragePooling1D()(y))
    assert model.predict(np.ones((2, 7, 4), "float32"), verbose=0).shape == (2, 4)
