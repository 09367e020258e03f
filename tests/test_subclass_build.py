"""A ``keras.Model`` subclass with a ``build`` of its own (Keras style: it makes the
weights, with or without the input shape, calling ``super().build`` or setting
``self.built``) still trains with ``fit``."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf


class WithShape(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(2)

    def build(self, input_shape):
        self.seen = input_shape
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones")
        super().build(input_shape)

    def call(self, x):
        return self.dense(x) + tf.matmul(x, self.w)


class NoShape(tf.keras.Model):
    """eat_tensorflow2_in_30_days 5-7: build() without arguments, then built = True."""

    def build(self):
        self.x = tf.Variable(0.0, name="x")
        self.built = True

    def call(self, features):
        return tf.ones_like(features) * ((self.x - 1.0) ** 2)


def test_build_with_the_input_shape_then_fit_and_predict(seed):
    model = WithShape()
    model.compile(optimizer="sgd", loss="mse")
    x = seed.random((8, 3)).astype("float32")
    model.fit(x, np.zeros((8, 2)), verbose=0)
    assert model.seen == (None, 3)  # Keras gives the batch axis
    assert len(model.weights) == 3
    W, b = model.dense.get_weights()
    w = np.asarray(model.w)
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ W + b + x @ w, rtol=1e-5)


def test_build_without_arguments_then_fit_minimises():
    model = NoShape()
    model.build()
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.05),
                  loss=lambda y_true, y_pred: tf.reduce_mean(y_pred))
    model.fit(np.zeros((20, 2), "float32"), np.ones(20), batch_size=1, epochs=3, verbose=0)
    assert float(model.x.numpy()) == pytest.approx(1.0, abs=0.05)
    assert model.count_params() == 1
