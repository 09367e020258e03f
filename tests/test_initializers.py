"""Initializers: Keras's names, classes, configs and formulas (fans, VarianceScaling)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet
from glassnet import initializers, layers
from glassnet.errors import UnknownNameError

SHAPE = (200, 300)  # fan_in 200, fan_out 300


@pytest.mark.parametrize("name, limit", [
    ("glorot_uniform", math.sqrt(6 / 500)), ("he_uniform", math.sqrt(6 / 200)),
    ("lecun_uniform", math.sqrt(3 / 200)), ("random_uniform", 0.05),
])
def test_uniform_limits(name, limit):
    glassnet.utils.set_random_seed(0)
    W = initializers.get(name)(SHAPE, np.float64)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit
    assert W.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)  # U[-l, l]: l/√3


@pytest.mark.parametrize("name, std", [
    ("glorot_normal", math.sqrt(2 / 500)), ("he_normal", math.sqrt(2 / 200)),
    ("lecun_normal", math.sqrt(1 / 200)),
])
def test_truncated_variance_scaling_keeps_the_target_variance(name, std):
    """σ = √s / 0.8796...: after the cut at 2σ the standard deviation is √s again."""
    glassnet.utils.set_random_seed(0)
    W = initializers.get(name)(SHAPE, np.float64)
    assert W.std() == pytest.approx(std, rel=0.02)
    assert np.abs(W).max() <= 2 * std / 0.87962566103423978 + 1e-12


def test_truncated_normal_and_random_normal():
    W = initializers.TruncatedNormal(mean=1.0, stddev=0.1, seed=3)(SHAPE)
    assert W.dtype == np.float32
    assert np.abs(W - 1.0).max() <= 0.2 + 1e-6
    W = initializers.RandomNormal(mean=2.0, stddev=0.5, seed=3)(SHAPE, np.float64)
    assert W.mean() == pytest.approx(2.0, abs=0.01) and W.std() == pytest.approx(0.5, rel=0.02)


def test_variance_scaling_modes_and_untruncated():
    glassnet.utils.set_random_seed(0)
    W = initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal")(SHAPE, np.float64)
    assert W.std() == pytest.approx(math.sqrt(3 / 300), rel=0.02)
    assert np.abs(W).max() > 2.5 * math.sqrt(3 / 300)  # not truncated
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_mean")


def test_orthogonal_identity_constant():
    for shape in [(6, 4), (4, 6), (3, 3, 2, 5)]:
        Q = initializers.Orthogonal(gain=2.0, seed=1)(shape, np.float64).reshape(-1, shape[-1])
        small = Q.T @ Q if Q.shape[0] >= Q.shape[1] else Q @ Q.T
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-12)
    np.testing.assert_array_equal(initializers.Identity(3.0)((2, 3)), [[3, 0, 0], [0, 3, 0]])
    np.testing.assert_array_equal(initializers.Constant(0.1)((2,)), np.float32([0.1, 0.1]))
    with pytest.raises(ValueError, match="2-D"):
        initializers.identity()((2, 2, 2))


def test_seed_repeats_and_no_seed_follows_set_random_seed():
    a = initializers.HeNormal(seed=7)((5, 5))
    np.testing.assert_array_equal(a, initializers.he_normal(seed=7)((5, 5)))
    glassnet.utils.set_random_seed(1)
    b = initializers.HeNormal()((5, 5))
    glassnet.utils.set_random_seed(1)
    np.testing.assert_array_equal(b, initializers.get("he_normal")((5, 5)))


def test_get_names_classes_dicts_and_errors():
    assert isinstance(initializers.get("orthogonal"), initializers.Orthogonal)
    assert isinstance(initializers.get("HeNormal"), initializers.HeNormal)
    assert isinstance(initializers.get(initializers.Zeros), initializers.Zeros)
    c = initializers.get({"class_name": "Constant", "config": {"value": 0.5}})
    assert isinstance(c, initializers.Constant) and c.value == 0.5
    with pytest.raises(UnknownNameError, match="he_normal"):
        initializers.get("he_normall")
    with pytest.raises(UnknownNameError):  # at construction, not at the first batch
        layers.Dense(3, kernel_initializer="xavier")


def test_layer_with_initializer_objects_round_trips(tmp_path):
    layer = layers.Dense(3, kernel_initializer=initializers.RandomNormal(0.0, 1.0, seed=2),
                         bias_initializer=initializers.Constant(0.1))
    config = layer.get_config()
    assert config["bias_initializer"] == {"class_name": "Constant", "config": {"value": 0.1}}
    again = layers.Dense.from_config(config)
    again.build((4,))
    layer.build((4,))
    np.testing.assert_array_equal(again.W, layer.W)
    np.testing.assert_allclose(again.b, 0.1)
    model = glassnet.Sequential([layers.Input((2,)), layers.Dense(2, kernel_initializer=
                                                                  "orthogonal")])
    model.save(tmp_path / "m.glassnet")
    assert glassnet.load_model(tmp_path / "m.glassnet").layers[0].kernel_initializer == \
        "orthogonal"
