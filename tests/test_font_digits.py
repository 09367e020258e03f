"""``glassnet.datasets.font_digits``: the printed digits ``glassnet train --augment`` adds."""

from __future__ import annotations

import numpy as np

from glassnet.datasets import font_digits


def test_printed_digits_look_like_mnist_digits():
    x, y = font_digits.load_data()
    assert x.shape == (390, 28, 28) and x.dtype == np.uint8 and y.dtype == np.uint8
    np.testing.assert_array_equal(np.bincount(y, minlength=10), np.full(10, 39))
    assert x[:, :2].max() == 0 and x[:, :, :2].max() == 0 and x[:, :, -2:].max() == 0
    # (a black border, as MNIST's; a 7, centred by its mass, may reach the bottom)
    rows, cols = np.indices((28, 28))
    mass = x.sum(axis=(1, 2)).astype(float)
    for coordinate in (rows, cols):  # centred by the centre of mass, near pixel (14, 14)
        centre = (x * coordinate).sum(axis=(1, 2)) / mass
        assert np.abs(centre - 14).max() < 1.5
    tall = np.array([np.ptp(np.flatnonzero(img.any(axis=1))) + 1 for img in x])
    wide = np.array([np.ptp(np.flatnonzero(img.any(axis=0))) + 1 for img in x])
    assert (np.maximum(tall, wide) >= 19).all() and (np.maximum(tall, wide) <= 22).all()


def test_mixed_with_adds_a_share_of_printed_digits_shuffled():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (1950, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 1950).astype(np.uint8)
    mx, my = font_digits.mixed_with(x, y, share=1 / 6)
    assert len(mx) == 1950 + 390 and mx.dtype == np.float32 and my.dtype == np.uint8
    printed = np.isin(mx.reshape(len(mx), -1), x.reshape(len(x), -1)).all(axis=1) == 0
    assert 380 <= printed.sum() <= 390  # one copy: 390 / 2340 = 1/6
    assert mx.max() <= 1.0 and not printed[-390:].all()  # scaled to [0, 1]; shuffled
    fx, fy = font_digits.load_data()
    np.testing.assert_allclose(np.sort(mx.sum(axis=(1, 2)))[-1],
                               max(x.sum(axis=(1, 2)).max(), (fx / 255).sum(axis=(1, 2)).max()),
                               rtol=1e-5)
    flat, labels = font_digits.mixed_with(x.reshape(1950, 784), y)
    assert flat.shape == (2340, 784) and np.bincount(labels).sum() == 2340
    few, few_labels = font_digits.mixed_with(x[:100], y[:100])  # 20 printed: 2 of each digit
    assert few.shape == (120, 28, 28)
    added = ~np.isin(few.reshape(120, -1), x[:100].reshape(100, -1)).all(axis=1)
    np.testing.assert_array_equal(np.bincount(few_labels[added], minlength=10), np.full(10, 2))
