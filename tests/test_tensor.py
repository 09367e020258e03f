"""Tensors, variables and every op: values against NumPy, and each op's derivative against
central differences in float64.

Each op ``y = f(x₁, x₂, ...)`` is checked through the scalar ``L = Σ dy · f(x...)`` for a
random ``dy``: the tape's ``dL/dxᵢ`` (``gradient(y, xs, output_gradients=dy)``) must equal
the numerical derivative of ``L`` with respect to every entry of every input. Inputs are
wrapped without copying, so perturbing an entry of the array perturbs the tensor.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, away_from_zero, numerical_grad

import glassnet as tf
from glassnet import ops
from glassnet.tensor import Tensor


def check_op(f, *arrays, seed: int = 0) -> None:
    """The tape's vector-Jacobian product of ``f`` against central differences."""
    arrays = [np.asarray(a, np.float64) for a in arrays]
    tensors = [Tensor(a) for a in arrays]
    assert all(np.shares_memory(t.array, a) for t, a in zip(tensors, arrays))
    y = f(*tensors)
    dy = np.random.default_rng(seed).standard_normal(y.shape)
    with tf.GradientTape() as tape:
        tape.watch(tensors)
        y = f(*tensors)
    assert y.dtype == np.float64
    grads = tape.gradient(y, tensors, output_gradients=dy)
    for a, g in zip(arrays, grads):
        assert g is not None and g.shape == a.shape
        numeric = numerical_grad(lambda: float(np.sum(dy * f(*tensors).numpy())), a)
        assert_grad_close(g.numpy(), numeric)


R = np.random.default_rng(42)


def normal(*shape):
    return R.standard_normal(shape)


def positive(*shape):
    return R.uniform(0.5, 2.0, shape)


def apart(*shape):
    """|v| in [0.1, 2]: no kink (relu, abs, max) within reach of ε."""
    return away_from_zero(R, shape)


ELEMENTWISE = {
    "negative": (tf.negative, normal), "abs": (tf.abs, apart), "square": (tf.square, normal),
    "sqrt": (tf.sqrt, positive), "rsqrt": (tf.math.rsqrt, positive), "exp": (tf.exp, normal),
    "expm1": (tf.math.expm1, normal), "log": (tf.math.log, positive),
    "log1p": (tf.math.log1p, positive), "reciprocal": (tf.math.reciprocal, positive),
    "sin": (tf.math.sin, normal), "cos": (tf.math.cos, normal),
    "sigmoid": (tf.sigmoid, normal), "tanh": (tf.tanh, normal),
    "softplus": (tf.math.softplus, normal), "relu": (tf.nn.relu, apart),
    "relu6": (tf.nn.relu6, lambda *s: apart(*s) * 4), "leaky_relu": (tf.nn.leaky_relu, apart),
    "elu": (tf.nn.elu, apart), "silu": (tf.nn.silu, normal),
    "identity": (tf.identity, normal), "l2_loss": (tf.nn.l2_loss, normal),
    "gelu": (tf.nn.gelu, normal), "erf": (tf.math.erf, normal),
    "silu_beta": (lambda x: tf.nn.silu(x, beta=2.0), normal),
    "norm": (tf.norm, normal), "norm_axis": (lambda x: tf.norm(x, axis=1), normal),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_elementwise_gradient(name, float64):
    f, make = ELEMENTWISE[name]
    check_op(f, make(3, 4))


BINARY_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4, 1), (1, 3)), ((2, 3, 4), (3, 1)),
                 ((), (2, 3)), ((2, 3), ())]


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("f", [tf.add, tf.subtract, tf.multiply, tf.divide, tf.maximum,
                               tf.minimum, tf.pow, tf.math.mod], ids=lambda f: f.__name__)
def test_binary_gradient_with_broadcasting(f, shapes, float64):
    a, b = positive(*shapes[0]), positive(*shapes[1])
    if f in (tf.maximum, tf.minimum) and 0 in (a.ndim, b.ndim):
        # a scalar in the middle of [0.5, 2], and entries on both sides of it: both win
        a, b = (np.array(1.25) if x.ndim == 0 else x for x in (a, b))
        other = b if a.ndim == 0 else a
        other.flat[0], other.flat[-1] = 0.6, 1.9
    check_op(f, a, b)


def test_operators_and_their_reflections_are_ops(float64):
    a, b = positive(3, 4), positive(4, 2)
    check_op(lambda x, y: (x @ y) ** 2 - 1 / (x[:, :2] @ y[:2] + 2), a, b)
    check_op(lambda x: 2 - x * 3 + np.ones(4) / x - (-x) ** 3, a)
    check_op(lambda x: abs(x) // 1 + x % 1 + x, apart(3))  # floordiv/mod: no gradient


REDUCTIONS = [tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_min, tf.reduce_prod,
              tf.reduce_logsumexp, tf.math.reduce_variance, tf.math.reduce_std]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, (0, 2), [1, 2]], ids=str)
@pytest.mark.parametrize("f", REDUCTIONS, ids=lambda f: f.__name__)
def test_reduction_gradient_over_each_axis(f, axis, keepdims, float64):
    x = apart(2, 3, 4)  # distinct values: max/min have no ties
    check_op(lambda t: f(t, axis=axis, keepdims=keepdims), x)
    y = f(Tensor(x), axis=axis, keepdims=keepdims).numpy()
    ref = {"reduce_sum": np.sum, "reduce_mean": np.mean, "reduce_max": np.max,
           "reduce_min": np.min, "reduce_prod": np.prod, "reduce_variance": np.var,
           "reduce_std": np.std}.get(f.__name__)
    if ref is not None:
        axes = tuple(axis) if isinstance(axis, list) else axis
        np.testing.assert_allclose(y, ref(x, axis=axes, keepdims=keepdims), rtol=1e-12)


def test_reduce_prod_gradient_with_a_zero_entry(float64):
    x = normal(3, 4)
    x[1, 2] = 0.0
    check_op(lambda t: tf.reduce_prod(t, axis=1), x)


def test_reduce_max_shares_the_gradient_among_ties():
    x = tf.constant([1.0, 3.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x)
    np.testing.assert_array_equal(tape.gradient(y, x), [0, 0.5, 0.5])


@pytest.mark.parametrize("shapes,kw", [
    (((3, 4), (4, 5)), {}), (((2, 3, 4), (4, 5)), {}), (((2, 1, 3, 4), (5, 4, 2)), {}),
    (((4,), (4, 5)), {}), (((3, 4), (4,)), {}), (((4,), (4,)), {}),
    (((4, 3), (4, 5)), {"transpose_a": True}), (((3, 4), (5, 4)), {"transpose_b": True}),
], ids=str)
def test_matmul_gradient_with_batch_axes(shapes, kw, float64):
    a, b = normal(*shapes[0]), normal(*shapes[1])
    check_op(lambda x, y: tf.matmul(x, y, **kw), a, b)
    if not kw:
        np.testing.assert_allclose(tf.matmul(a, b).numpy(), np.matmul(a, b), rtol=1e-12)


SHAPE_OPS = {
    "reshape": (lambda x: tf.reshape(x, (4, -1)), (2, 3, 2)),
    "transpose": (lambda x: tf.transpose(x, (2, 0, 1)), (2, 3, 4)),
    "transpose_default": (tf.transpose, (2, 3, 4)),
    "expand_dims": (lambda x: tf.expand_dims(x, 1), (3, 4)),
    "squeeze": (lambda x: tf.squeeze(x, axis=1), (3, 1, 4)),
    "tile": (lambda x: tf.tile(x, (2, 3)), (2, 3)),
    "getitem_slice": (lambda x: x[1:, ::2], (3, 4)),
    "getitem_int_newaxis": (lambda x: x[1, None, :], (3, 4)),
    "getitem_fancy_repeats": (lambda x: x[[0, 2, 0]], (3, 4)),
    "gather_axis0_repeats": (lambda x: tf.gather(x, [2, 0, 2]), (3, 4)),
    "gather_axis1_2d": (lambda x: tf.gather(x, [[1, 1], [3, 0]], axis=1), (3, 4)),
    "clip_by_value": (lambda x: tf.clip_by_value(x, -1.0, 1.0), (4, 5)),
    "cast": (lambda x: tf.cast(x, tf.float64), (3,)),
    "unstack": (lambda x: tf.unstack(x, axis=1)[1] * 2, (3, 4)),
    "split": (lambda x: tf.split(x, [1, 3], axis=1)[1] * tf.split(x, 2)[0][0, 0], (2, 4)),
    "cumsum": (lambda x: tf.cumsum(x, axis=1), (3, 4)),
    "cumsum_exclusive_reverse": (lambda x: tf.cumsum(x, exclusive=True, reverse=True), (3, 4)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_array_op_gradient(name, float64):
    f, shape = SHAPE_OPS[name]
    x = apart(*shape) * (3 if name == "clip_by_value" else 1)
    x[np.abs(np.abs(x) - 1) < 0.05] = 0.5  # keep away from the clip bounds
    check_op(f, x)


def test_cumsum_split_values():
    x = np.arange(1.0, 5.0)
    np.testing.assert_array_equal(tf.cumsum(x), [1, 3, 6, 10])
    np.testing.assert_array_equal(tf.cumsum(x, exclusive=True), [0, 1, 3, 6])
    np.testing.assert_array_equal(tf.cumsum(x, reverse=True), [10, 9, 7, 4])
    np.testing.assert_array_equal(tf.cumsum(x, exclusive=True, reverse=True), [9, 7, 4, 0])
    assert [p.shape for p in tf.split(tf.ones((2, 6)), 3, axis=1)] == [(2, 2)] * 3
    with pytest.raises(ValueError, match="axis of size 6 into 4 equal parts"):
        tf.split(tf.ones(6), 4)


def test_concat_stack_where_gradients(float64):
    a, b, c = normal(2, 3), normal(2, 1), normal(2, 3)
    check_op(lambda x, y: tf.concat([x, y, x], axis=1), a, b)
    check_op(lambda x, y: tf.stack([x, y], axis=1), a, c)
    cond = normal(2, 3) > 0
    check_op(lambda x, y: tf.where(cond, x, y), a, b)  # y broadcast from (2, 1)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_and_log_softmax_gradients(axis, float64):
    check_op(lambda x: tf.nn.softmax(x, axis=axis), normal(3, 5))
    check_op(lambda x: tf.nn.log_softmax(x, axis=axis), normal(3, 5))
    p = tf.nn.softmax(normal(3, 5), axis=axis).numpy()
    np.testing.assert_allclose(p.sum(axis=axis), 1)


def test_softmax_cross_entropy_gradients(float64):
    labels = tf.nn.softmax(normal(4, 5)).numpy()
    check_op(lambda y, x: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=x),
             labels, normal(4, 5))
    sparse = np.array([0, 4, 2, 2])
    check_op(lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=sparse, logits=x),
             normal(4, 5))
    z = (normal(4, 3) > 0).astype(float)
    check_op(lambda x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x), normal(4, 3))
    # the values: -log softmax[label], as losses.py computes it
    logits = normal(4, 5)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(sparse, logits).numpy()
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(loss, -np.log(p[np.arange(4), sparse]), rtol=1e-12)


def test_numpy_functions_on_tensors_run_as_ops(float64):
    check_op(lambda x: np.exp(x) + np.sum(x, axis=0) * np.maximum(x, 0.5), normal(3, 2))
    check_op(lambda x: np.mean(np.square(x), axis=1, keepdims=True) @ np.ones((1, 2)),
             normal(3, 2))
    check_op(lambda x, y: np.dot(x, y) + np.concatenate([x, x], axis=1)[:, :2], normal(2, 3),
             normal(3, 2))


# -- values and conventions -------------------------------------------------------------
def test_tensor_basics():
    t = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert t.shape == (2, 2) and t.dtype == tf.float32 and len(t) == 2
    assert isinstance(t.numpy(), np.ndarray) and np.asarray(t).dtype == np.float32
    assert repr(tf.constant([1.0, 2.0])) == (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>")
    assert repr(tf.constant(3)) == "<tf.Tensor: shape=(), dtype=int32, numpy=3>"
    assert str(tf.constant([1, 2])) == "tf.Tensor([1 2], shape=(2,), dtype=int32)"
    assert [r.numpy().tolist() for r in t] == [[1, 2], [3, 4]]
    assert float(t[1, 1]) == 4.0 and int(t[0, 1]) == 2 and bool(t[0, 0])
    assert isinstance(np.ones(2, np.float32) + t, Tensor)  # __array_priority__/ufunc
    assert (t > 2).dtype == np.bool_ and (t == t).numpy().all()
    assert tf.constant(2.5).numpy() == 2.5 and isinstance(tf.constant(2.5).numpy(), np.floating)
    with pytest.raises(TypeError, match="one element"):
        float(t)
    assert (t * 2.0).dtype == np.float32  # Python numbers do not promote to float64
    assert (t + np.arange(2.0)).dtype == np.float32


def test_creation_ops_match_tensorflow():
    assert tf.zeros((2, 3)).dtype == np.float32 and tf.ones(3).shape == (3,)
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4] and tf.range(5).dtype == np.int32
    assert tf.range(1.0, 2.0, 0.5).numpy().tolist() == [1.0, 1.5]
    np.testing.assert_allclose(tf.linspace(0.0, 1.0, 5), [0, 0.25, 0.5, 0.75, 1])
    assert tf.fill((2, 2), 7.0).numpy().tolist() == [[7, 7], [7, 7]]
    np.testing.assert_array_equal(tf.eye(3), np.eye(3))
    assert tf.zeros_like(tf.ones((2, 1), tf.int32)).dtype == np.int32
    np.testing.assert_array_equal(tf.one_hot([0, 2, -1], 3), [[1, 0, 0], [0, 0, 1], [0, 0, 0]])
    assert tf.argmax(tf.constant([[1, 5], [7, 2]])).numpy().tolist() == [1, 0]  # axis 0
    assert tf.argmax([[1, 5], [7, 2]], axis=1).numpy().tolist() == [1, 0]
    assert ops.argmax(tf.constant([[1, 5], [7, 2]])).numpy() == 2  # keras.ops: flattened
    np.testing.assert_array_equal(tf.where([True, False]), [[0]])
    assert tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist() == [1, -1]
    assert tf.constant(np.arange(3.0)).dtype == np.float64  # NumPy arrays keep their dtype
    assert tf.constant([1, 2], dtype=tf.float32).dtype == np.float32
    assert tf.constant(0.0, shape=(2, 2)).shape == (2, 2)
    assert tf.version.VERSION == tf.__version__ and tf.newaxis is None


def test_keras_ops_and_tf_math_names_reach_the_same_ops():
    x = tf.constant([[1.0, 2.0], [3.0, 6.0]])
    assert float(tf.keras.ops.mean(x)) == 3.0 and float(tf.keras.ops.sum(x)) == 12.0
    assert float(tf.keras.ops.max(x)) == 6.0 and float(tf.math.reduce_min(x)) == 1.0
    np.testing.assert_allclose(tf.keras.ops.matmul(x, x), x.numpy() @ x.numpy())
    np.testing.assert_allclose(tf.math.square(x), x.numpy() ** 2)
    np.testing.assert_allclose(tf.keras.ops.concatenate([x, x], axis=1).shape, (2, 4))
    np.testing.assert_allclose(tf.keras.ops.take(x, [3, 0]), [6, 1])
    np.testing.assert_allclose(tf.nn.softmax([0.0, 0.0]), [0.5, 0.5])
    np.testing.assert_allclose(tf.linalg.matmul(x, tf.eye(2)), x)


def test_random_ops_follow_the_seed():
    tf.random.set_seed(3)
    a = tf.random.normal((2, 3))
    tf.random.set_seed(3)
    np.testing.assert_array_equal(a, tf.random.normal((2, 3)))
    assert a.dtype == np.float32
    u = tf.random.uniform((1000,), minval=2, maxval=3)
    assert 2 <= float(tf.reduce_min(u)) and float(tf.reduce_max(u)) < 3
    ints = tf.random.uniform((50,), maxval=4, dtype=tf.int32)
    assert ints.dtype == np.int32 and set(ints.numpy().tolist()) <= {0, 1, 2, 3}
    assert float(tf.reduce_max(tf.abs(tf.random.truncated_normal((500,))))) <= 2


def test_float64_when_floatx_is_float64(float64):
    assert tf.constant([1.0]).dtype == np.float64 and tf.zeros(2).dtype == np.float64
    assert tf.random.normal((2,)).dtype == np.float64


# -- variables -------------------------------------------------------------------------
def test_variable_assign_and_read():
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v" and v.trainable and v.dtype == np.float32
    frozen = v.value()
    v.assign([3.0, 4.0])
    v.assign_add([1.0, 1.0])
    v.assign_sub(tf.constant([0.5, 0.5]))
    np.testing.assert_array_equal(v.numpy(), [3.5, 4.5])
    np.testing.assert_array_equal(frozen, [1.0, 2.0])  # value() does not follow later assigns
    v.numpy()[...] = 0
    assert float(tf.reduce_sum(v)) == 8.0  # numpy() is a copy
    assert "tf.Variable 'v:0' shape=(2,)" in repr(v)
    with pytest.raises(ValueError, match=r"shape \(2,\) cannot assign a value of shape \(3,\)"):
        v.assign([1.0, 2.0, 3.0])
    owned = np.zeros(2, np.float32)
    w = tf.Variable(owned)
    w.assign_add([1.0, 1.0])
    assert owned.sum() == 0  # a plain Variable owns a copy
    assert tf.Variable(3).dtype == np.int32 and tf.Variable(3.0).shape == ()


def test_variable_backed_by_a_slot_follows_the_slot_and_writes_in_place():
    store = {"kernel": np.ones((2, 2), np.float32)}
    v = tf.Variable.slot(store, "kernel", name="dense/kernel")
    theta = np.zeros(4, np.float32)
    store["kernel"] = theta.reshape(2, 2)  # what the model does when it builds θ
    assert float(tf.reduce_sum(v)) == 0
    v.assign_add(np.full((2, 2), 2.0))
    np.testing.assert_array_equal(theta, [2, 2, 2, 2])  # written into θ itself


# -- errors ------------------------------------------------------------------------------
def test_incompatible_shapes_name_both_shapes():
    with pytest.raises(ValueError, match=r"add: \(2, 3\) and \(4,\)"):
        tf.constant(np.ones((2, 3))) + tf.ones(4)
    with pytest.raises(ValueError, match=r"\(2, 3\) @ \(2, 3\).*last axis of the first \(3\)"):
        tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor of shape \(2, 3\)"):
        tf.reshape(tf.ones((2, 3)), (4, 2))
    with pytest.raises(ValueError, match=r"label value of 5 which is outside .*\[0, 3\)"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([0, 5], tf.ones((2, 3)))
    with pytest.raises(IndexError, match="index 3 is out of range for axis 0 of size 3"):
        tf.gather(tf.ones((3, 2)), [3])


def test_keras_ops_crossentropies_match_the_loss_objects(float64):
    rng = np.random.default_rng(11)
    p = tf.nn.softmax(normal(4, 3)).numpy()
    labels = rng.integers(0, 3, 4)
    onehot = np.eye(3)[labels]
    expected = float(tf.keras.losses.SparseCategoricalCrossentropy()(labels, p))
    assert float(tf.reduce_mean(ops.sparse_categorical_crossentropy(labels, p))) == \
        pytest.approx(expected, rel=1e-12)
    assert float(tf.reduce_mean(ops.categorical_crossentropy(onehot, p))) == \
        pytest.approx(expected, rel=1e-12)
    z = normal(4, 1)
    y = (normal(4, 1) > 0).astype(float)
    np.testing.assert_allclose(ops.binary_crossentropy(y, tf.sigmoid(z)),
                               ops.binary_crossentropy(y, z, from_logits=True), rtol=1e-9)
    check_op(lambda t: ops.sparse_categorical_crossentropy(labels, t), p)
    check_op(lambda t: ops.binary_crossentropy(y, t), tf.sigmoid(z).numpy())
    assert ops.shape(np.ones((2, 3))) == (2, 3) and tf.shape(np.ones((2, 3))).numpy().tolist() \
        == [2, 3]
    assert isinstance(ops.convert_to_numpy(tf.ones(2)), np.ndarray)


def test_a_string_variable_is_a_value_unless_it_names_an_initializer():
    import glassnet as tf

    assert tf.Variable("Hongmeng", tf.string).numpy() == "Hongmeng"  # TF 1 guide style
    assert tf.keras.Variable(initializer="zeros", shape=(2,)).numpy().tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="needs shape"):
        tf.keras.Variable(initializer="zeros")


def test_complex_and_unsigned_dtypes():
    import glassnet as tf

    assert tf.Variable(12.3 - 4.56j, tf.complex64).numpy() == pytest.approx(12.3 - 4.56j)
    assert tf.constant([1, 2], dtype=tf.uint16).dtype == np.uint16
    assert tf.complex128 is np.complex128
