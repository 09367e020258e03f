"""``Deskew``: moment-based shear normalisation (``glassnet train --augment`` models)."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_layer

from glassnet import layers


def _slanted_bar(shift_per_row: float, H: int = 9, W: int = 13) -> np.ndarray:
    """A one-pixel bar leaning by ``shift_per_row`` columns per row (down = more columns),
    anti-aliased over two pixels, as ``(1, H, W)``."""
    x = np.zeros((1, H, W), np.float32)
    for r in range(H):
        c = W / 2 - 0.5 + shift_per_row * (r - (H - 1) / 2)
        left = int(np.floor(c))
        x[0, r, left] += 1 - (c - left)
        x[0, r, left + 1] += c - left
    return x


@pytest.mark.parametrize("slant", [0.5, -0.5, 0.25])
def test_a_slanted_bar_becomes_upright(slant):
    x = _slanted_bar(slant)
    y = np.asarray(layers.Deskew()(x))[0]
    assert y.shape == x.shape[1:] and y.dtype == np.float32
    cols = np.arange(x.shape[2])
    centres = (y * cols).sum(axis=1) / y.sum(axis=1)  # each row's centre of ink
    np.testing.assert_allclose(centres, centres.mean(), atol=1e-5)  # one column: upright
    np.testing.assert_allclose(y.sum(), x.sum(), rtol=1e-6)  # nothing pushed out
    before = (x[0] * cols).sum() / x.sum()
    assert (y * cols).sum() / y.sum() == pytest.approx(before, abs=1e-5)  # centre kept
    leaning = (x[0] * cols).sum(axis=1) / x[0].sum(axis=1)
    assert np.ptp(leaning) >= 8 * abs(slant) - 1e-6  # the input did lean


def test_upright_blank_and_one_row_images_pass_unchanged():
    x = np.zeros((3, 6, 5, 1), np.float32)
    x[0, :, 2] = 1.0  # a vertical bar: no slant
    x[1, 3, 1:4] = 1.0  # one row: no slope to measure
    y = np.asarray(layers.Deskew()(x))  # x[2] is blank
    np.testing.assert_array_equal(y, x)


def test_same_in_training_and_inference_and_channels_move_together():
    x = np.repeat(_slanted_bar(0.5)[..., None], 2, axis=3)
    x[..., 1] *= 0.5
    layer = layers.Deskew()
    y = np.asarray(layer(x, training=True))
    np.testing.assert_array_equal(y, np.asarray(layer(x)))
    np.testing.assert_allclose(y[..., 1], 0.5 * y[..., 0], rtol=1e-6)
    np.testing.assert_allclose(y[..., 0], np.asarray(layers.Deskew()(x[..., 0])), rtol=1e-6)


def test_deskew_gradient(float64):
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (3, 6, 7, 2))
    x[0, :, :3] *= 3.0  # heavier on the left above...
    x[0, 3:, :3] /= 9.0  # ...and on the right below: a clear slant
    layer = layers.Deskew()
    check_layer(layer, x, rng)
    assert np.abs(layer.k).max() > 0.1  # the shear and its gradient path are exercised


def test_deskew_gradient_of_3d_images(float64):
    rng = np.random.default_rng(4)
    check_layer(layers.Deskew(), rng.uniform(0, 1, (2, 5, 6)), rng)


def test_deskew_config_and_shape_errors():
    layer = layers.Deskew(name="straighten")
    again = layers.deserialize(layers.serialize(layer))
    assert type(again) is layers.Deskew and again.get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"Deskew 'straighten' needs images .* got "
                                         r"\(None, 10\)"):
        layer(np.zeros((2, 10), np.float32))
