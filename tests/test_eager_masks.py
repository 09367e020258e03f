"""Keras's ``output._keras_mask`` after eager calls, ``tf.nn.embedding_lookup``, and the
small attributes tutorials print (``tensor.device``, ``layer.dtype_policy``)."""

from __future__ import annotations

import numpy as np
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import layers

PADDED = np.array([[711, 632, 71, 0], [73, 8, 0, 0]])


def test_embedding_and_masking_outputs_carry_their_mask():
    out = layers.Embedding(input_dim=1000, output_dim=4, mask_zero=True)(PADDED)
    np.testing.assert_array_equal(out._keras_mask.numpy(), PADDED != 0)
    x = tf.cast(tf.tile(tf.expand_dims(PADDED, axis=-1), [1, 1, 3]), tf.float32)
    masked = layers.Masking()(x)
    np.testing.assert_array_equal(masked._keras_mask.numpy(), PADDED != 0)
    assert not hasattr(layers.Embedding(1000, 4)(PADDED), "_keras_mask")  # no mask_zero


class TemporalSplit(tf.keras.layers.Layer):
    def call(self, inputs):
        return tf.split(inputs, 2, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None if mask is None else tf.split(mask, 2, axis=1)


def test_a_layers_compute_mask_masks_its_outputs():
    x = layers.Embedding(input_dim=1000, output_dim=4, mask_zero=True)(PADDED)
    first, second = TemporalSplit()(x)
    np.testing.assert_array_equal(first._keras_mask.numpy(), PADDED[:, :2] != 0)
    np.testing.assert_array_equal(second._keras_mask.numpy(), PADDED[:, 2:] != 0)
    passed = layers.Dropout(0.5)(x)  # supports_masking: the mask goes on
    np.testing.assert_array_equal(passed._keras_mask.numpy(), PADDED != 0)


def test_embedding_lookup_gradient(float64):
    rng = np.random.default_rng(0)
    table = rng.standard_normal((5, 3))
    ids = np.array([[0, 2], [2, 4]])
    dy = rng.standard_normal((2, 2, 3))
    np.testing.assert_array_equal(tf.nn.embedding_lookup(table, ids).numpy(), table[ids])
    v = tf.Variable(table)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.embedding_lookup(v, ids) * dy)
    numeric = numerical_grad(lambda: float(np.sum(table[ids] * dy)), table)
    assert_grad_close(tape.gradient(loss, v).numpy(), numeric)


def test_device_and_dtype_policy():
    assert tf.constant([1.0]).device.endswith("CPU:0")
    dense = layers.Dense(2)
    assert dense.dtype_policy.name == "float32" and dense.compute_dtype == "float32"


def test_symbolic_dtype_name_and_loss_scale_optimizer():
    x = tf.keras.Input(shape=(3,))
    assert x.dtype == "float32" and x.dtype.name == "float32"
    assert layers.Dense(2)(x).dtype.name == "float32"
    opt = tf.keras.mixed_precision.LossScaleOptimizer(tf.keras.optimizers.RMSprop())
    loss, grads = tf.constant(2.0), [tf.constant([1.0])]
    assert opt.get_scaled_loss(loss) is loss and opt.get_unscaled_gradients(grads) is grads
