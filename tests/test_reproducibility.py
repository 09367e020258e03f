"""``set_random_seed`` makes two runs of ``fit`` give bit-identical weights."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import layers


@pytest.fixture(scope="module")
def mnist_subset():
    (x, y), _ = glassnet.datasets.mnist.load_data()
    return x[:600] / 255.0, y[:600]


def run(seed, x, y):
    """Initialisation, shuffling and dropout all draw from the seeded generator."""
    glassnet.utils.set_random_seed(seed)
    model = glassnet.Sequential([
        layers.Input(shape=(28, 28)), layers.Flatten(),
        layers.Dense(32, activation="relu"), layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=2, validation_split=0.1, verbose=0)
    return model.get_weights(), history.history


def test_same_seed_gives_bit_identical_weights(mnist_subset):
    w1, h1 = run(42, *mnist_subset)
    w2, h2 = run(42, *mnist_subset)
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))
    assert h1 == h2


def test_another_seed_gives_other_weights(mnist_subset):
    w1, _ = run(42, *mnist_subset)
    w3, _ = run(43, *mnist_subset)
    assert not np.array_equal(w1[0], w3[0])
