"""``tf.math.confusion_matrix`` and ``tf.image.resize`` / ``rgb_to_grayscale``: values by
hand (tests/test_torch_crosscheck.py compares resize with PyTorch's half-pixel interpolation,
which is TensorFlow 2's)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf


def test_confusion_matrix_rows_are_labels():
    c = tf.math.confusion_matrix([0, 1, 2, 1], [0, 2, 2, 1])
    np.testing.assert_array_equal(c.numpy(), [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    assert c.dtype == np.int32
    c = tf.math.confusion_matrix(np.array([1, 1]), tf.constant([0, 1]), num_classes=4,
                                 weights=[2.0, 3.0], dtype=tf.float32)
    assert c.shape == (4, 4) and c.numpy()[1, 0] == 2.0 and c.numpy()[1, 1] == 3.0
    with pytest.raises(ValueError, match="argmax"):
        tf.math.confusion_matrix([0, 1], [0.2, 0.9])
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        tf.math.confusion_matrix([0, 1], [0, 2], num_classes=2)


def test_resize_bilinear_by_hand():
    x = np.array([[0.0, 4.0], [8.0, 12.0]], np.float32)[None, :, :, None]
    up = tf.image.resize(x, (4, 4)).numpy()[0, :, :, 0]
    # half-pixel centres: output 0 samples input -0.25 (clamped to 0), output 1 samples 0.25
    np.testing.assert_allclose(up[0], [0, 1, 3, 4])
    np.testing.assert_allclose(up[:, 0], [0, 2, 6, 8])
    one = tf.image.resize(x[0], [1, 1])  # one image (h, w, c)
    assert one.shape == (1, 1, 1) and one.dtype == np.float32
    np.testing.assert_allclose(one.numpy().ravel(), [6.0])
    near = tf.image.resize(np.arange(4, dtype=np.uint8).reshape(1, 2, 2, 1), (4, 4),
                           method="nearest")
    assert near.dtype == np.uint8
    np.testing.assert_array_equal(near.numpy()[0, :, :, 0],
                                  [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]])
    assert tf.image.resize(np.zeros((10, 20, 3)), (5, 5), preserve_aspect_ratio=True
                           ).shape == (2, 5, 3)  # scale min(5/10, 5/20): round(2.5) = 2
    with pytest.raises(ValueError, match="newaxis"):
        tf.image.resize(np.zeros((4, 4)), (2, 2))


def test_rgb_to_grayscale():
    x = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]], np.float32)
    g = tf.image.rgb_to_grayscale(x)
    assert g.shape == (1, 3, 1)
    np.testing.assert_allclose(g.numpy().ravel(), [0.2989, 0.5870, 0.1140], rtol=1e-6)
    white = tf.image.rgb_to_grayscale(np.full((2, 2, 3), 255, np.uint8))
    assert white.dtype == np.uint8 and np.all(white.numpy() == 255)
    assert tf.image.grayscale_to_rgb(g).shape == (1, 3, 3)
