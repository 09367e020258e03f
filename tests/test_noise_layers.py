"""GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D/2D: identity at inference,
noise while training, seeded, and backward checked by central differences with the noise
sample held fixed (the layer's own generator re-seeded before each forward)."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_layer

import glassnet
from glassnet import layers

LAYERS = {
    "gaussian_noise": lambda: layers.GaussianNoise(0.5, seed=3),
    "gaussian_dropout": lambda: layers.GaussianDropout(0.3, seed=3),
    "alpha_dropout": lambda: layers.AlphaDropout(0.3, seed=3),
    "spatial_dropout1d": lambda: layers.SpatialDropout1D(0.5, seed=3),
    "spatial_dropout2d": lambda: layers.SpatialDropout2D(0.5, seed=3),
    "dropout_noise_shape": lambda: layers.Dropout(0.5, noise_shape=(None, 1, 4), seed=3),
}
SHAPES = {"spatial_dropout2d": (3, 2, 2, 4)}


@pytest.mark.parametrize("name", LAYERS)
def test_identity_at_inference_noise_in_training(name, seed):
    x = seed.standard_normal(SHAPES.get(name, (3, 5, 4))).astype("float32")
    layer = LAYERS[name]()
    np.testing.assert_array_equal(layer(x), x)
    y = np.asarray(layer(x, training=True))
    assert y.dtype == np.float32 and y.shape == x.shape and not np.allclose(y, x)
    again = LAYERS[name]()(x, training=True)  # the same seed: the same noise
    np.testing.assert_array_equal(again, y)


@pytest.mark.parametrize("name", LAYERS)
def test_gradient_with_a_fixed_noise_sample(name, float64):
    rng = np.random.default_rng(1)
    layer = LAYERS[name]()

    def fresh():
        layer._rng = np.random.default_rng(3)

    check_layer(layer, rng.standard_normal(SHAPES.get(name, (3, 5, 4))), rng, training=True,
                fresh=fresh)


def test_spatial_dropout_drops_whole_channels(seed):
    x = seed.random((4, 6, 8)).astype("float32") + 1
    y = np.asarray(layers.SpatialDropout1D(0.5, seed=0)(x, training=True))
    dropped = y == 0
    assert dropped.any() and not dropped.all()
    assert (dropped == dropped[:, :1, :]).all()  # one decision per (sample, channel)
    np.testing.assert_allclose(y[~dropped], 2 * x[~dropped], rtol=1e-6)
    y2 = np.asarray(layers.SpatialDropout2D(0.5, seed=0)(np.ones((2, 3, 3, 5), "float32"),
                                                        training=True))
    assert ((y2 == 0) == (y2[:, :1, :1, :] == 0)).all()
    with pytest.raises(glassnet.errors.InputError, match=r"height, width, channels"):
        layers.SpatialDropout2D(0.5)(x)


def test_noise_statistics(seed):
    """Large samples: the moments each layer promises."""
    glassnet.utils.set_random_seed(0)
    x = np.full((200, 500), 2.0, "float32")
    y = np.asarray(layers.GaussianNoise(0.5)(x, training=True))
    assert abs(y.mean() - 2) < 0.01 and abs(y.std() - 0.5) < 0.01
    y = np.asarray(layers.GaussianDropout(0.2)(x, training=True))
    assert abs(y.mean() - 2) < 0.01 and abs(y.std() - 2 * 0.5) < 0.01  # σ = √(0.2/0.8)
    z = seed.standard_normal((200, 500)).astype("float32")
    y = np.asarray(layers.AlphaDropout(0.2)(z, training=True))
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02  # SELU's fixed point kept


def test_noise_layers_train_and_save(seed, tmp_path):
    model = glassnet.Sequential([layers.Input((6, 4)), layers.GaussianNoise(0.1),
                                 layers.SpatialDropout1D(0.2), layers.Flatten(),
                                 layers.Dense(8, activation="tanh"), layers.AlphaDropout(0.1),
                                 layers.GaussianDropout(0.1), layers.Dense(1)])
    model.compile("adam", "mse")
    x = seed.standard_normal((32, 6, 4)).astype("float32")
    model.fit(x, x.sum((1, 2))[:, None], epochs=2, verbose=0)
    model.save(tmp_path / "m.glassnet")
    again = glassnet.models.load_model(tmp_path / "m.glassnet")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(la).__name__ for la in again.layers] == [
        type(la).__name__ for la in model.layers]


def test_bad_rates():
    with pytest.raises(ValueError, match=r"GaussianDropout rate must be in \[0, 1\)"):
        layers.GaussianDropout(1.0)
    with pytest.raises(ValueError, match="stddev must be zero or more"):
        layers.GaussianNoise(-1)
