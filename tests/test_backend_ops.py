"""``keras.backend`` (``K``) math as Keras 2 custom losses use it: values against NumPy,
Keras's defaults (axis=None, keepdims=False, argmax on the last axis), gradients on a tape
(central differences for each function that is more than an alias of a checked op), and a
model trained with a ``K`` loss."""

from __future__ import annotations

import numpy as np
import pytest
from test_tensor import check_op

import glassnet as tf
from glassnet import backend as K

R = np.random.default_rng(0)


def test_values_follow_keras_defaults():
    x = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], np.float32)
    np.testing.assert_allclose(K.mean(x).numpy(), x.mean())
    np.testing.assert_allclose(K.sum(x, axis=1, keepdims=True).numpy(), x.sum(1, keepdims=True))
    np.testing.assert_allclose(K.max(x, axis=0).numpy(), x.max(0))
    np.testing.assert_allclose(K.std(x, axis=-1).numpy(), x.std(-1), rtol=1e-6)
    np.testing.assert_allclose(K.var(x).numpy(), x.var(), rtol=1e-6)
    np.testing.assert_array_equal(K.argmax(x).numpy(), [2, 1])
    np.testing.assert_allclose(K.sqrt(np.array([4.0, -1e-9])).numpy(), [2.0, 0.0])
    np.testing.assert_allclose(K.clip(x, -1, 2).numpy(), np.clip(x, -1, 2))
    np.testing.assert_allclose(K.clip(x, 1, 0).numpy(), np.ones_like(x))  # max < min: min
    np.testing.assert_allclose(K.pow(x, 2).numpy(), x ** 2)
    np.testing.assert_allclose(K.dot(x, x.T).numpy(), x @ x.T, rtol=1e-6)
    assert K.flatten(x).shape == (6,) and K.batch_flatten(np.zeros((2, 3, 4))).shape == (2, 12)
    assert K.concatenate([x, x]).shape == (2, 6) and K.expand_dims(x).shape == (2, 3, 1)
    assert K.int_shape(x) == (2, 3) and K.int_shape(tf.keras.Input((5,))) == (None, 5)
    np.testing.assert_array_equal(K.shape(x).numpy(), [2, 3])
    assert K.constant([1, 2]).dtype == np.float32 and K.variable([1.0]).trainable
    np.testing.assert_array_equal(K.eval(K.equal(x, x)), np.ones((2, 3), bool))
    assert K.eval(K.cast(K.greater(x, 0), "float32")).sum() == 4
    np.testing.assert_allclose(K.relu(np.array([-2.0, 0.5, 9.0]), alpha=0.1,
                                      max_value=6.0).numpy(), [-0.2, 0.5, 6.0], rtol=1e-6)
    np.testing.assert_allclose(K.l2_normalize(np.array([3.0, 4.0])).numpy(), [0.6, 0.8])
    np.testing.assert_allclose(K.softmax(x).numpy().sum(-1), [1, 1], rtol=1e-6)
    p = np.array([[2.0, 2.0]])  # not normalized: Keras 2 divides by the sum first
    np.testing.assert_allclose(K.categorical_crossentropy(np.array([[1.0, 0.0]]), p).numpy(),
                               [np.log(2)], rtol=1e-6)
    assert K.epsilon() == 1e-7


def test_every_name_is_a_backend_attribute():
    from glassnet import backend_ops

    assert set(backend_ops.__all__) <= set(dir(K))
    for name in backend_ops.__all__:
        assert callable(getattr(K, name)), name


GRADIENTS = {  # functions composed from several ops, or with Keras's own twists
    "sqrt": (lambda x: K.sqrt(x), lambda: R.uniform(0.5, 2.0, (2, 3))),
    "clip": (lambda x: K.clip(x, -0.5, 0.5), lambda: R.choice([-1.0, 1.0], (2, 3))
             * R.choice([0.3, 1.0], (2, 3))),
    "relu_leaky_capped": (lambda x: K.relu(x, alpha=0.1, max_value=1.5, threshold=0.2),
                          lambda: R.choice([-1.0, 0.5, 1.0, 2.0], (2, 3))
                          + R.uniform(-0.05, 0.05, (2, 3))),
    "l2_normalize": (lambda x: K.l2_normalize(x, axis=-1), lambda: R.standard_normal((2, 3))),
    "std": (lambda x: K.std(x, axis=0), lambda: R.standard_normal((3, 2))),
    "var": (lambda x: K.var(x), lambda: R.standard_normal((3, 2))),
    "softmax": (lambda x: K.softmax(x, axis=0), lambda: R.standard_normal((3, 2))),
    "batch_flatten": (lambda x: K.batch_flatten(x) * 2.0, lambda: R.standard_normal((2, 2, 2))),
    "categorical_crossentropy": (
        lambda x: K.categorical_crossentropy(np.array([[0.2, 0.8], [1.0, 0.0]]), x),
        lambda: R.uniform(0.2, 1.0, (2, 2))),
    "binary_crossentropy": (lambda x: K.binary_crossentropy(np.array([0.0, 1.0, 1.0]), x),
                            lambda: R.uniform(0.1, 0.9, 3)),
    "dot": (lambda x: K.dot(x, np.arange(6.0).reshape(3, 2)), lambda: R.standard_normal((2, 3))),
    "pow": (lambda x: K.pow(x, 3), lambda: R.standard_normal((2, 3))),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_backend_gradient(name, float64):
    f, make = GRADIENTS[name]
    check_op(f, make())


def test_a_model_trains_with_a_custom_loss_written_with_K():
    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

    tf.random.set_seed(0)
    x = R.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
    model.compile(tf.keras.optimizers.Adam(0.05), loss=rmse)
    history = model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
