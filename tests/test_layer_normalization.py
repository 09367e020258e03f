"""``LayerNormalization``: values, gradients (float64 central differences), config."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_layer, check_model_gradients

import glassnet
from glassnet import layers


def test_layer_normalization_values(seed):
    x = seed.standard_normal((4, 3, 5)).astype("float32") * 3 + 2
    layer = layers.LayerNormalization(epsilon=1e-5)
    y = layer(x)
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-4, atol=1e-5)
    assert [w.name for w in layer.weights] == [f"{layer.name}/gamma", f"{layer.name}/beta"]
    assert layer.params["gamma"].shape == layer.params["beta"].shape == (5,)
    np.testing.assert_array_equal(layer(x, training=True), y)  # no batch statistics


@pytest.mark.parametrize("axis, shape", [(-1, (3, 5)), (-1, (2, 3, 4)), ([1, 2], (2, 3, 4)),
                                         (1, (2, 3, 4))])
def test_layer_normalization_gradient(axis, shape, float64):
    rng = np.random.default_rng(4)
    layer = layers.LayerNormalization(axis=axis, gamma_initializer="random_normal",
                                      beta_initializer="random_normal")
    check_layer(layer, rng.standard_normal(shape) * 2 + 1, rng)


@pytest.mark.parametrize("center, scale", [(True, False), (False, True), (False, False)])
def test_layer_normalization_without_gamma_or_beta(center, scale, float64):
    rng = np.random.default_rng(5)
    layer = layers.LayerNormalization(center=center, scale=scale)
    check_layer(layer, rng.standard_normal((3, 4)), rng)
    assert sorted(layer.params) == sorted(["beta"] * center + ["gamma"] * scale)


def test_layer_normalization_in_a_model_gradient_and_save(float64, tmp_path):
    glassnet.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(5),
                                 layers.LayerNormalization(), layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((6, 4)), rng.standard_normal((6, 2))
    assert check_model_gradients(model, x, y) == model.count_params() == 25 + 10 + 12
    model.save(tmp_path / "m.glassnet")
    again = glassnet.models.load_model(tmp_path / "m.glassnet")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert again.layers[1].get_config()["epsilon"] == 1e-3


def test_layer_normalization_rejects_a_bad_axis():
    with pytest.raises(ValueError, match="axis=3 is not a feature axis"):
        layers.LayerNormalization(axis=3)(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="axis must be an integer"):
        layers.LayerNormalization(axis="last")
