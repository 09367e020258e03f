"""The long tail of Keras that real programs by other people reach (the corpus of
/work/corpus): each test names the program and the call that used to stop it."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf
from glassnet import keras


# -- dlwp2 ch03: v[0, 0].assign(3.) ---------------------------------------------------------
def test_a_slice_of_a_variable_can_be_assigned_in_place():
    v = tf.Variable(np.zeros((3, 2), np.float32))
    assert v[0, 0].assign(3.0) is v  # TensorFlow returns the variable
    v[:, 1].assign_add([1.0, 2.0, 3.0])
    v[1].assign_sub(1.0)
    np.testing.assert_array_equal(v.numpy(), [[3, 1], [-1, 1], [0, 3]])
    with pytest.raises(ValueError, match=r"shape \(2,\).*\(3,\)"):
        v[0].assign([1.0, 2.0, 3.0])


def test_a_slice_of_a_variable_reads_as_a_snapshot_and_differentiates():
    v = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))
    row = v[2]
    v[2].assign([0.0, 0.0])
    np.testing.assert_array_equal(row.numpy(), [4.0, 5.0])  # read before the assign
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v[0] * 2.0)
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[2, 2], [0, 0], [0, 0]])


# -- dlwp3 ch02: keras.Variable(initializer=..., shape=...) ----------------------------------
def test_keras3_variable_signature():
    w = keras.Variable(shape=(4, 3), initializer="uniform")
    assert w.shape == (4, 3) and w.dtype == np.float32 and np.abs(w.numpy()).max() <= 0.05
    b = keras.Variable(shape=(3,), initializer="zeros", trainable=False, name="b")
    assert b.name == "b" and not b.trainable and not b.numpy().any()
    o = keras.Variable(initializer=keras.initializers.Ones(), shape=(2,), dtype="float64")
    assert o.dtype == np.float64 and o.numpy().tolist() == [1.0, 1.0]
    f = keras.Variable(initializer=lambda shape, dtype=None: np.full(shape, 2.0), shape=(2,))
    assert f.numpy().tolist() == [2.0, 2.0]
    assert keras.Variable(np.ones(2)).numpy().tolist() == [1.0, 1.0]  # a value, positionally
    with pytest.raises(ValueError, match="needs shape"):
        keras.Variable(initializer="zeros")
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape=\(3,\)"):
        keras.Variable(np.ones(2), shape=(3,))
    with pytest.raises(TypeError, match="unexpected keyword"):
        keras.Variable(np.ones(2), initialiser="zeros")
