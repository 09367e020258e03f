"""tf.pad, tf.einsum, tf.meshgrid, tf.nn.dropout, and the graph helpers run eagerly
(tf.cond, tf.while_loop, tf.TensorArray, tf.custom_gradient, tf.nest), with float64
central-difference gradient checks."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf


def tape_grad(f, x: np.ndarray) -> np.ndarray:
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(v)
    return tape.gradient(y, v).numpy()


def check(f, x: np.ndarray, dy: np.ndarray) -> None:
    """d(Σ dy·f(x))/dx by the tape against central differences."""
    analytic = tape_grad(lambda v: tf.reduce_sum(f(v) * dy), x)
    numeric = numerical_grad(lambda: float(np.sum(f(tf.constant(x)).numpy() * dy)), x)
    assert_grad_close(analytic, numeric)


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC"])
def test_pad_values_and_gradient(mode, float64):
    x = np.arange(6.0).reshape(2, 3) + 1
    expected = np.pad(x, [[1, 1], [2, 1]], mode={"CONSTANT": "constant", "REFLECT": "reflect",
                                                "SYMMETRIC": "symmetric"}[mode])
    y = tf.pad(tf.constant(x), [[1, 1], [2, 1]], mode=mode)
    np.testing.assert_array_equal(y.numpy(), expected)
    rng = np.random.default_rng(0)
    check(lambda v: tf.pad(v, [[1, 1], [2, 1]], mode=mode), x, rng.standard_normal((4, 6)))


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij->j", [(3, 4)]),                # i summed away in the only operand
    ("i,j->ij", [(3,), (2,)]),          # outer product
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
])
def test_einsum_values_and_gradient(equation, shapes, float64):
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal(s) for s in shapes]
    y = tf.einsum(equation, *[tf.constant(x) for x in xs])
    np.testing.assert_allclose(y.numpy(), np.einsum(equation, *xs))
    dy = rng.standard_normal(y.shape)
    for i in range(len(xs)):
        def f(v, i=i):
            args = [tf.constant(x) for x in xs]
            args[i] = v
            return tf.einsum(equation, *args)
        check(f, xs[i], dy)


def test_dropout_keeps_the_scale_and_passes_the_mask_back(float64):
    x = np.ones((200, 50))
    y = tf.nn.dropout(tf.constant(x), rate=0.25, seed=3).numpy()
    assert set(np.unique(y)) <= {0.0, 1 / 0.75}
    assert abs((y == 0).mean() - 0.25) < 0.03
    check(lambda v: tf.nn.dropout(v, rate=0.5, seed=7), np.random.default_rng(2).random((3, 4)),
          np.random.default_rng(3).standard_normal((3, 4)))


def test_meshgrid_is_numpys():
    a, b = tf.meshgrid(tf.range(3), tf.range(2))
    ea, eb = np.meshgrid(np.arange(3), np.arange(2))
    np.testing.assert_array_equal(a.numpy(), ea)
    np.testing.assert_array_equal(b.numpy(), eb)


def test_cond_and_while_loop_run_eagerly_and_are_differentiated(float64):
    x = np.array([0.5, -1.5])

    def f(v):
        y = tf.cond(tf.reduce_sum(v) < 0, lambda: v * 3.0, lambda: v * 2.0)
        _, y = tf.while_loop(lambda i, acc: i < 3, lambda i, acc: (i + 1, acc * v), [0, y])
        return y  # 3 x⁴

    np.testing.assert_allclose(f(tf.constant(x)).numpy(), 3 * x ** 4)
    check(f, x, np.array([1.0, -2.0]))


def test_tensor_array_stack_gradient(float64):
    def f(v):
        ta = tf.TensorArray(tf.float64, size=0, dynamic_size=True)
        for i in range(3):
            ta = ta.write(i, v * float(i + 1))
        return ta.stack()

    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(f(tf.constant(x)).numpy(), [x, 2 * x, 3 * x])
    check(f, x, np.arange(6.0).reshape(3, 2))


def test_custom_gradient_uses_the_given_gradient():
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)

        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.constant([0.0, 100.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, 1.0])  # not NaN at 100

    @tf.custom_gradient
    def clip_gradient(x):  # identity forward, gradient scaled by 10
        return tf.identity(x), lambda dy: dy * 10.0

    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        z = tf.reduce_sum(clip_gradient(v) ** 2)
    np.testing.assert_allclose(tape.gradient(z, v).numpy(), [20.0, 40.0])


def test_nest_and_name_scope():
    assert tf.nest.flatten({"a": [1, 2], "b": 3}) == [1, 2, 3]
    assert tf.nest.map_structure(lambda a, b: a + b, [1, (2, 3)], [10, (20, 30)]) == \
        [11, (22, 33)]
    with tf.name_scope("block"):
        pass
