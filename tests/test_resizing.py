"""Resizing and CenterCrop: Keras's values (fixture files), the linear map's backward
checked by central differences, and the crops."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_layer

import glassnet
from glassnet import layers
from glassnet.layers.resizing import interpolation_matrix


def test_interpolation_rows_sum_to_one_and_identity_at_same_size():
    for n_in, n_out in [(5, 3), (3, 7), (4, 4)]:
        for method in ("bilinear", "nearest"):
            R = interpolation_matrix(n_in, n_out, method, np.float64)
            np.testing.assert_allclose(R.sum(1), 1)
    np.testing.assert_array_equal(interpolation_matrix(4, 4, "bilinear", np.float64), np.eye(4))
    # doubling: output pixel 1 sits at input position 0.25
    np.testing.assert_allclose(interpolation_matrix(2, 4, "bilinear", np.float64)[1], [.75, .25])


@pytest.mark.parametrize("make", [
    lambda: layers.Resizing(3, 5),
    lambda: layers.Resizing(6, 2, interpolation="nearest"),
    lambda: layers.Resizing(3, 3, crop_to_aspect_ratio=True),
    lambda: layers.CenterCrop(2, 3),
    lambda: layers.CenterCrop(6, 3),  # taller than the images: smart_resize
])
def test_resizing_gradient(make, float64):
    rng = np.random.default_rng(3)
    check_layer(make(), rng.standard_normal((2, 4, 5, 2)), rng)


def test_center_crop_values_and_any_image_size():
    x = np.arange(2 * 5 * 6 * 1, dtype="float32").reshape(2, 5, 6, 1)
    y = np.asarray(layers.CenterCrop(3, 2)(x))
    np.testing.assert_array_equal(y, x[:, 1:4, 2:4])
    model = glassnet.Sequential([layers.Input((None, None, 3)), layers.Resizing(8, 8),
                                 layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])
    assert model.predict(np.ones((2, 20, 13, 3), "float32"), verbose=0).shape == (2, 1)
    assert model.predict(np.ones((1, 5, 5, 3), "float32"), verbose=0).shape == (1, 1)


def test_resizing_refuses_what_it_does_not_do():
    with pytest.raises(NotImplementedError, match="interpolation='bicubic'"):
        layers.Resizing(4, 4, interpolation="bicubic")
    with pytest.raises(NotImplementedError, match="pad_to_aspect_ratio=True"):
        layers.Resizing(4, 4, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="height must be a positive integer"):
        layers.CenterCrop(0, 4)


def test_resizing_saves(tmp_path, seed):
    model = glassnet.Sequential([layers.Input((6, 6, 1)), layers.Resizing(4, 4),
                                 layers.CenterCrop(2, 2), layers.Flatten(), layers.Dense(1)])
    model.save(tmp_path / "m.glassnet")
    again = glassnet.models.load_model(tmp_path / "m.glassnet")
    x = seed.random((2, 6, 6, 1)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
