"""``glassnet train --augment``: RandomStrokeWidth, RandomAffineChain, architectures.augmented;
and RandomLowResolution."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_layer

import glassnet
from glassnet import architectures, layers


def _dot_and_line() -> np.ndarray:
    """One 7x7 image: a bright dot at (3, 3) and a one-pixel vertical line of 0.5."""
    x = np.zeros((1, 7, 7, 1), np.float32)
    x[0, 3, 3] = 1.0
    x[0, 2:5, 1] = 0.5
    return x


def test_stroke_width_hand_worked():
    x = _dot_and_line()
    thick = np.asarray(layers.RandomStrokeWidth((1, 1))(x, training=True))[0, ..., 0]
    assert (thick[2:5, 2:5] == 1.0).all()  # the dot grew into its 3x3 window
    assert (thick[1:6, 0] == 0.5).all() and (thick[1:6, 2] != 0).all()  # line: 3 wide
    assert thick[0].sum() == 0 and thick[:, 5:].sum() == 0
    thin = np.asarray(layers.RandomStrokeWidth((-1, -1))(x, training=True))
    assert not thin.any()  # strokes one pixel wide vanish
    half = np.asarray(layers.RandomStrokeWidth((0.5, 0.5))(x, training=True))[0, ..., 0]
    assert half[3, 3] == 1.0 and half[2, 2] == 0.5 and half[3, 1] == 0.5
    assert half[3, 0] == pytest.approx(0.25)  # x + t·(D(x) - x) = 0 + 0.5·0.5


def test_stroke_width_identity_at_inference_and_active_in_training():
    x = np.random.default_rng(0).uniform(0, 1, (4, 6, 6, 1)).astype(np.float32)
    layer = layers.RandomStrokeWidth(0.5, seed=1)
    np.testing.assert_array_equal(layer(x), x)
    assert not layer.active
    y = np.asarray(layer(x, training=True))
    assert layer.active and not np.allclose(y, x) and y.dtype == np.float32


def test_stroke_width_is_deterministic_under_a_seed():
    x = np.random.default_rng(1).uniform(0, 1, (8, 6, 6, 1)).astype(np.float32)
    a = layers.RandomStrokeWidth(1.0, seed=3)(x, training=True)
    b = layers.RandomStrokeWidth(1.0, seed=3)(x, training=True)
    np.testing.assert_array_equal(a, b)
    glassnet.utils.set_random_seed(7)
    c = layers.RandomStrokeWidth(1.0)(x, training=True)
    glassnet.utils.set_random_seed(7)
    d = layers.RandomStrokeWidth(1.0)(x, training=True)
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, c)


def test_stroke_width_gradient(float64):
    rng = np.random.default_rng(2)
    layer = layers.RandomStrokeWidth((-1, 1))
    x = rng.uniform(0, 1, (4, 5, 6, 2))  # distinct values: every window has one max and min

    def fresh():
        glassnet.utils.set_random_seed(5)  # the same amounts at every forward pass
    fresh()
    check_layer(layer, x, rng, training=True, fresh=fresh)
    assert (layer.t > 0).all() and not np.allclose(layer(x, training=True), x)


def test_stroke_width_factor_is_checked():
    with pytest.raises(ValueError, match=r"RandomStrokeWidth factor .* \[-1, 1\], got 2"):
        layers.RandomStrokeWidth(2)


def test_low_resolution_hand_worked():
    """A 1-pixel line in a 4x4 image, at half resolution: box averaging gives a 2x2 image
    whose left cells hold 0.5 (half of their pixels are the line); enlarging back spreads
    them over the columns; then the brightest value is 1 again."""
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, :, 1] = 1.0  # a vertical line in column 1
    y = np.asarray(layers.RandomLowResolution((0.5, 0.5))(x, training=True))[0, ..., 0]
    # column 1 falls in cell 0 (columns 0-1): cells (0.5, 0); enlarged: columns 0-3 read
    # cell positions -0.25, 0.25, 0.75, 1.25 -> 0.5, 0.375, 0.125, 0; scaled by 1/0.5
    np.testing.assert_allclose(y, np.tile([1.0, 0.75, 0.25, 0.0], (4, 1)), atol=1e-6)
    assert y.max() == pytest.approx(1.0)


def test_low_resolution_blurs_like_a_coarse_scan():
    """The image after RandomLowResolution(f) equals the image shrunk to f·H pixels by
    box averaging (Pillow's BOX filter) and enlarged by linear interpolation (Pillow's
    BILINEAR, which is exact on the few cells used here), rescaled to the same peak."""
    from PIL import Image

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (1, 12, 12, 1)).astype(np.float32)
    y = np.asarray(layers.RandomLowResolution((0.5, 0.5))(x, training=True))[0, ..., 0]
    small = Image.fromarray(x[0, ..., 0]).resize((6, 6), Image.Resampling.BOX)
    big = np.asarray(small.resize((12, 12), Image.Resampling.BILINEAR))
    np.testing.assert_allclose(y, big * x.max() / big.max(), atol=1e-5)
    assert np.abs(np.diff(y, axis=1)).mean() < 0.6 * np.abs(np.diff(x[0, ..., 0], axis=1)).mean()


def test_low_resolution_rate_inference_and_shapes():
    x = np.random.default_rng(1).uniform(0, 1, (64, 10, 8, 3)).astype(np.float32)
    layer = layers.RandomLowResolution((0.3, 0.6), rate=0.5, seed=2)
    np.testing.assert_array_equal(layer(x), x)  # identity at inference
    assert not layer.active
    y = np.asarray(layer(x, training=True))
    assert y.shape == x.shape and y.dtype == np.float32 and layer.active
    changed = ~np.isclose(y, x).all(axis=(1, 2, 3))
    np.testing.assert_array_equal(changed, layer.chosen)  # rate: about half of them
    assert 20 <= changed.sum() <= 44
    np.testing.assert_allclose(y.max(axis=(1, 2)), x.max(axis=(1, 2)), rtol=1e-5)
    assert not np.asarray(layers.RandomLowResolution(0.5, rate=0.0)(x, training=True)
                          != x).any()


def test_low_resolution_is_deterministic_under_a_seed():
    x = np.random.default_rng(1).uniform(0, 1, (8, 12, 12, 1)).astype(np.float32)
    a = layers.RandomLowResolution((0.2, 0.8), seed=3)(x, training=True)
    b = layers.RandomLowResolution((0.2, 0.8), seed=3)(x, training=True)
    np.testing.assert_array_equal(a, b)
    glassnet.utils.set_random_seed(7)
    c = layers.RandomLowResolution((0.2, 0.8))(x, training=True)
    glassnet.utils.set_random_seed(7)
    d = layers.RandomLowResolution((0.2, 0.8))(x, training=True)
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, c)


def test_low_resolution_gradient(float64):
    rng = np.random.default_rng(2)
    layer = layers.RandomLowResolution((0.3, 0.7), rate=0.75)
    x = rng.uniform(0, 1, (4, 7, 6, 2))  # distinct values: one max per image and channel

    def fresh():
        glassnet.utils.set_random_seed(5)
    fresh()
    check_layer(layer, x, rng, training=True, fresh=fresh)
    assert layer.chosen.any() and (layer.c != 1).any()


def test_low_resolution_arguments_are_checked():
    with pytest.raises(ValueError, match=r"RandomLowResolution factor .* \(0, 1\], got 0"):
        layers.RandomLowResolution(0)
    with pytest.raises(ValueError, match="rate must be between 0 and 1, got 2"):
        layers.RandomLowResolution(0.5, rate=2)
    layer = layers.RandomLowResolution(0.4, rate=0.5, seed=1)
    assert (layer.lower, layer.upper) == (0.4, 0.4)
    again = layers.deserialize(layers.serialize(layer))
    assert again.get_config() == layer.get_config()


def _chain(seed=None):
    return layers.RandomAffineChain(
        [layers.RandomZoom(0.2, 0.3, seed=seed), layers.RandomRotation(0.05, seed=seed),
         layers.RandomTranslation(0.1, 0.1, seed=seed)], fill_mode="constant")


def test_affine_chain_is_the_listed_layers_in_one_warp():
    """Bilinear interpolation is exact on a linear ramp, so the one warp of the composed
    maps equals the three warps one after the other, wherever no pixel came from outside."""
    rows, cols = np.indices((20, 20))
    x = (0.3 * rows + 0.7 * cols).astype(np.float32)[None, :, :, None].repeat(3, axis=0)
    one = np.asarray(_chain(seed=4)(x, training=True))
    z = x
    for layer in _chain(seed=4).layers:
        z = np.asarray(layer(z, training=True))
    inner = slice(7, 13)
    np.testing.assert_allclose(one[:, inner, inner], z[:, inner, inner], rtol=1e-6)
    assert not np.allclose(one[:, inner, inner], x[:, inner, inner])
    np.testing.assert_array_equal(_chain(seed=4)(x), x)  # identity at inference


def test_affine_chain_gradient(float64):
    rng = np.random.default_rng(3)
    layer = _chain()

    def fresh():
        glassnet.utils.set_random_seed(6)
    fresh()
    check_layer(layer, rng.uniform(0, 1, (2, 6, 5, 1)), rng, training=True, fresh=fresh)


def test_affine_chain_takes_only_affine_layers():
    with pytest.raises(TypeError, match="RandomAffineChain takes RandomRotation"):
        layers.RandomAffineChain([layers.RandomFlip()])


def test_augmentation_layers_save_and_load(tmp_path):
    model = glassnet.Sequential([glassnet.Input(shape=(6, 6, 1)), layers.RandomStrokeWidth(0.5),
                                 _chain(seed=2), layers.Flatten(), layers.Dense(3)])
    model.save(tmp_path / "aug.glassnet")
    loaded = glassnet.load_model(tmp_path / "aug.glassnet")
    assert loaded.layers[0].get_config() == model.layers[0].get_config()
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    assert [type(layer).__name__ for layer in loaded.layers[1].layers] == \
        ["RandomZoom", "RandomRotation", "RandomTranslation"]
    x = np.random.default_rng(4).uniform(0, 1, (2, 6, 6, 1)).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_augmented_trains_the_models_own_weights():
    glassnet.utils.set_random_seed(8)
    rng = np.random.default_rng(8)
    x = rng.uniform(0, 1, (64, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    model = architectures.mlp(hidden=[8])
    trainer = architectures.augmented(model)
    trainer.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    trainer.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    augmenters = [layer for layer in trainer.layers
                  if isinstance(layer, (layers.RandomStrokeWidth, layers.RandomAffineChain))]
    assert len(augmenters) == 2 and all(layer.active for layer in augmenters)
    np.testing.assert_array_equal(trainer.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not any(layer.active for layer in augmenters)  # the identity at inference


def test_cli_train_augment_saves_a_plain_model_that_predicts(tmp_path, capsys):
    from PIL import Image

    from glassnet.cli import main

    out = tmp_path / "aug.glassnet"
    assert main(["train", "--augment", "--limit", "64", "--epochs", "1", "--hidden", "8",
                 "--seed", "0", "--out", str(out)]) == 0
    model = glassnet.load_model(out)
    assert [type(layer).__name__ for layer in model.layers] == ["Deskew", "Flatten", "Dense",
                                                                "Dense"]
    assert model.optimizer.iterations == 2  # 64 images in batches of 32, trained
    digit = np.full((60, 60), 255, np.uint8)
    digit[15:45, 28:33] = 0  # a dark "1" on white paper
    Image.fromarray(digit).save(tmp_path / "one.png")
    capsys.readouterr()
    assert main(["predict", str(out), str(tmp_path / "one.png")]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'one.png'}: ")


def test_augmented_trains_as_the_same_layers_in_one_flat_model():
    """Nesting ``model`` inside the training model changes nothing: the same augmentation
    and the same network as one flat ``Sequential`` learn the same weights (to float32
    rounding: the two sum in different orders)."""
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 1, (48, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 48)
    model = architectures.mlp(hidden=[8])
    trainer = architectures.augmented(model)
    flat = glassnet.Sequential([glassnet.Input(shape=(28, 28)), layers.Reshape((28, 28, 1)),
                                *architectures.augmentation(), layers.Reshape((28, 28)),
                                layers.Flatten(), layers.Dense(8, activation="relu"),
                                layers.Dense(10, activation="softmax")])
    flat.set_weights(model.get_weights())
    for m in (trainer, flat):
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        glassnet.utils.set_random_seed(10)
        m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for a, b in zip(model.get_weights(), flat.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_augment_builds_the_same_network_behind_a_deskew_layer():
    """``--augment`` puts ``Deskew`` first (no weights, active in use too); plain
    ``glassnet train`` builds the networks as before, without it."""
    from argparse import Namespace

    from glassnet.cli import build_model

    for name, weights in (("cnn", 34_826), ("mlp", 101_770)):
        args = Namespace(model=name, hidden=[128], activation="relu", augment=True)
        deskewed = build_model(args)
        plain = build_model(Namespace(**{**vars(args), "augment": False}))
        assert type(deskewed.layers[0]).__name__ == "Deskew"
        assert not any(type(layer).__name__ == "Deskew" for layer in plain.layers)
        assert deskewed.count_params() == plain.count_params() == weights
        assert [type(layer).__name__ for layer in deskewed.layers[1:]] == \
            [type(layer).__name__ for layer in plain.layers]


def test_augmentation_has_no_shifts():
    """load_digit centres every digit, so --augment does not train on shifted ones."""
    chain = [layer for layer in architectures.augmentation()
             if isinstance(layer, layers.RandomAffineChain)]
    assert [type(layer).__name__ for layer in chain[0].layers] == ["RandomZoom",
                                                                    "RandomRotation"]
