"""tf.tensor_scatter_nd_* (values as in TensorFlow's "Tensor slicing" guide, gradients by
central differences) and tf.SparseTensor / tf.sparse basics."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf

T11 = [[2, 7, 0], [9, 0, 1], [0, 3, 8]]
T14 = [[-2, -7, 0], [-9, 0, 1], [0, -3, -8]]


def test_values_from_the_guide():
    add = tf.tensor_scatter_nd_add(tf.constant(T11), indices=[[0, 2], [1, 1], [2, 0]],
                                   updates=[6, 5, 4])
    assert add.numpy().tolist() == [[2, 7, 6], [9, 5, 1], [4, 3, 8]]
    sub = tf.tensor_scatter_nd_sub(tf.constant(T11),
                                   indices=[[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 1],
                                            [2, 2]], updates=[1, 7, 9, -1, 1, 3, 7])
    assert sub.numpy().tolist() == np.eye(3, dtype=int).tolist()
    low = tf.tensor_scatter_nd_min(tf.constant(T14), indices=[[0, 2], [1, 1], [2, 0]],
                                   updates=[-6, -5, -4])
    assert low.numpy().tolist() == [[-2, -7, -6], [-9, -5, 1], [-4, -3, -8]]
    high = tf.tensor_scatter_nd_max(tf.constant(T14), indices=[[0, 2], [1, 1], [2, 0]],
                                    updates=[6, 5, 4])
    assert high.numpy().tolist() == [[-2, -7, 6], [-9, 5, 1], [4, -3, -8]]
    upd = tf.tensor_scatter_nd_update(tf.constant(T11), [[1, 1]], [42])
    assert upd.numpy()[1, 1] == 42


@pytest.mark.parametrize("how", ["update", "add", "sub", "min", "max"])
def test_gradients(how, float64):
    op = getattr(tf, f"tensor_scatter_nd_{how}")
    rng = np.random.default_rng(4)
    t = rng.standard_normal((3, 4))
    u = rng.standard_normal((2, 4))  # two whole rows
    idx = [[0], [2]]
    dy = rng.standard_normal((3, 4))
    vt, vu = tf.Variable(t), tf.Variable(u)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(op(vt, idx, vu) * dy)
    gt, gu = tape.gradient(loss, [vt, vu])

    def f():
        return float(np.sum(op(tf.constant(t), idx, tf.constant(u)).numpy() * dy))

    assert_grad_close(gt.numpy(), numerical_grad(f, t))
    assert_grad_close(gu.numpy(), numerical_grad(f, u))


def test_sparse_tensor_to_dense_and_back():
    st = tf.SparseTensor(indices=[[0, 2], [2, 1], [3, 3]], values=[2, 11, 18],
                         dense_shape=[4, 5])
    dense = tf.sparse.to_dense(st).numpy()
    expected = np.zeros((4, 5), int)
    expected[0, 2], expected[2, 1], expected[3, 3] = 2, 11, 18
    np.testing.assert_array_equal(dense, expected)
    assert st.shape.as_list() == [4, 5]
    back = tf.sparse.from_dense(dense)
    assert back.indices.numpy().tolist() == [[0, 2], [2, 1], [3, 3]]
    np.testing.assert_array_equal(tf.sparse.add(st, tf.ones((4, 5), tf.int32)).numpy(),
                                  expected + 1)
