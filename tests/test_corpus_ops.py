"""Ops and helpers that real TensorFlow programs use (the eat_tensorflow2_in_30_days book,
TensorFlow's core guides): ``tf.boolean_mask``, ``tf.broadcast_to``, ``tf.add_n`` (each
gradient-checked in float64), ``tf.print``, ``tf.Module``, ``optimizer.minimize`` and
Keras's losses on 1-D tensors inside a ``GradientTape``."""

from __future__ import annotations

import io

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import losses


def _check(op, *shapes, rng=None):
    """Gradient of ``L = Σ dy · op(x₁, …)`` with respect to every ``xᵢ``, against central
    differences."""
    rng = rng or np.random.default_rng(0)
    xs = [rng.normal(size=s) for s in shapes]
    dy = rng.normal(size=np.shape(op(*[tf.constant(x) for x in xs]).numpy()))
    variables = [tf.Variable(x) for x in xs]
    with tf.GradientTape() as tape:
        L = tf.reduce_sum(op(*variables) * dy)
    grads = tape.gradient(L, variables)
    for x, g in zip(xs, grads):
        numeric = numerical_grad(lambda: float(np.sum(op(*[tf.constant(a) for a in xs])
                                                      .numpy() * dy)), x)
        assert_grad_close(g.numpy(), numeric)


def test_boolean_mask_values_and_gradient(float64):
    x = tf.constant([[1, 2], [3, 4], [5, 6]])
    assert tf.boolean_mask(x, [True, False, True]).numpy().tolist() == [[1, 2], [5, 6]]
    assert tf.boolean_mask(x, [[True, False], [False, True], [True, True]]).numpy().tolist() \
        == [1, 4, 5, 6]
    assert tf.boolean_mask(x, [True, False], axis=1).numpy().tolist() == [[1], [3], [5]]
    mask = np.array([[True, False, True], [False, True, True]])
    _check(lambda a: tf.boolean_mask(a, mask), (2, 3))
    _check(lambda a: tf.boolean_mask(a, [False, True, True], axis=1), (2, 3, 2))
    with pytest.raises(ValueError, match=r"mask of shape \(2,\).*shape \(3, 2\)"):
        tf.boolean_mask(x, [True, False])


def test_broadcast_to_values_and_gradient(float64):
    y = tf.broadcast_to(tf.constant([1, 2, 3]), [3, 3])
    assert y.shape == (3, 3) and y.numpy().tolist() == [[1, 2, 3]] * 3
    _check(lambda a: tf.broadcast_to(a, (4, 2, 3)), (2, 1))


def test_add_n_values_and_gradient(float64):
    a, b = tf.constant([1.0, 2.0]), tf.constant([10.0, 20.0])
    assert tf.add_n([a, b, a]).numpy().tolist() == [12.0, 24.0]
    assert tf.math.add_n([a, b]).numpy().tolist() == [11.0, 22.0]
    _check(lambda x, y, z: tf.add_n([x, y, z, x]), (2, 3), (2, 3), (2, 3))
    with pytest.raises(ValueError, match="add_n needs inputs of one shape"):
        tf.add_n([a, tf.constant([1.0, 2.0, 3.0])])


def test_print_shows_values_like_tensorflow():
    out = io.StringIO()
    tf.print("loss =", tf.constant(1.5), tf.range(10), output_stream=out)
    tf.print(tf.constant([[1, 2], [3, 4]]), [tf.constant(7), "a"], sep="|", output_stream=out)
    tf.print(tf.Variable([0.25, 2.0]), tf.range(8), summarize=-1, end="!", output_stream=out)
    assert out.getvalue() == ("loss = 1.5 [0 1 2 ... 7 8 9]\n"
                              "[[1 2]\n [3 4]]|[7, a]\n"
                              "[0.25 2] [0 1 2 3 4 5 6 7]!")


def test_print_writes_to_stderr_by_default_and_to_a_file(capsys, tmp_path):
    tf.print("x:", tf.constant([1, 2]))
    captured = capsys.readouterr()
    assert captured.err == "x: [1 2]\n" and captured.out == ""
    tf.print(tf.constant(3), output_stream=f"file://{tmp_path / 'log.txt'}")
    assert (tmp_path / "log.txt").read_text() == "3\n"


class _Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
        self.b = tf.Variable(tf.zeros([n_out]), name="b")
        self.steps = tf.Variable(0, trainable=False, name="steps")

    def __call__(self, x):
        return x @ self.w + self.b


class _Stack(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.blocks = [_Dense(3, 2), _Dense(2, 1, name="head")]
        self.keras_layer = tf.keras.layers.Dense(1)

    def __call__(self, x):
        for block in self.blocks:
            x = block(x)
        return self.keras_layer(x)


def test_module_finds_variables_and_submodules():
    model = _Stack(name="the_model")
    assert model.name == "the_model"
    assert type("MyModel", (tf.Module,), {})().name == "my_model"
    y = model(tf.constant([[1.0, 2.0, 3.0]]))
    assert y.shape == (1, 1)
    subs = model.submodules
    assert subs[:2] == tuple(model.blocks) and subs[2] is model.keras_layer
    names = [v.name for v in model.variables]
    assert names[:6] == ["b", "steps", "w", "b", "steps", "w"]  # attributes sorted by name
    assert len(model.variables) == 8  # and the Keras layer's kernel and bias
    assert len(model.trainable_variables) == 6
    assert all(v.trainable for v in model.trainable_variables)
    with model.name_scope:
        pass
    assert tf.Module.with_name_scope(_Stack.__call__) is _Stack.__call__


def test_module_trains_with_a_tape():
    model = _Dense(1, 1)
    x = tf.constant([[1.0], [2.0], [3.0]])
    y = 2 * x + 1
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    for _ in range(300):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
    assert abs(float(model.w[0, 0]) - 2) < 1e-2 and abs(float(model.b[0]) - 1) < 2e-2


def test_optimizer_minimize_with_a_function_and_with_a_tape():
    x = tf.Variable(0.0)
    opt = tf.keras.optimizers.SGD(learning_rate=0.1)
    for _ in range(100):
        opt.minimize(lambda: (x - 3.0) ** 2, [x])
    assert abs(float(x) - 3.0) < 1e-4
    w = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        loss = w * w
    opt.minimize(loss, [w], tape=tape)
    assert float(w) == pytest.approx(0.8)  # w - 0.1 · 2w
    with pytest.raises(ValueError, match="no tape"):
        opt.minimize(w * w, [w])


@pytest.mark.parametrize("fn", [losses.mean_squared_error, losses.mean_absolute_error,
                                losses.binary_crossentropy])
def test_losses_on_1d_tensors_reduce_to_a_scalar_with_its_gradient(fn, float64):
    """Keras reduces the last axis: for 1-D ``y`` that is the whole vector, one number."""
    rng = np.random.default_rng(1)
    y, p = rng.uniform(0.1, 0.9, 6), rng.uniform(0.1, 0.9, 6)
    v = tf.Variable(p)
    with tf.GradientTape() as tape:
        L = fn(y, v)
    assert L.shape == ()
    assert_grad_close(tape.gradient(L, v).numpy(), numerical_grad(lambda: float(fn(y, p)), p))


def test_subclassed_model_of_plain_variables_on_scalar_samples():
    """TensorFlow's "Basic training loops": a Model whose call is ``w * x + b`` on x of shape
    (n,), trained with fit."""
    class Linear(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(5.0)
            self.b = tf.Variable(0.0)

        def call(self, x):
            return self.w * x + self.b

    x = tf.constant(np.linspace(-1, 1, 50))
    model = Linear()
    assert model(x).shape == (50,)
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.2), loss="mse")
    history = model.fit(x, 3.0 * x + 2.0, epochs=30, batch_size=50, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 10


def test_tensorflow_dtype_names():
    assert tf.double is np.float64 and tf.half is np.float16
    assert tf.constant(3.14, dtype=tf.double).dtype == np.float64


# -- tf.linalg, tf.math.top_k, tf.clip_by_norm, tf.gather_nd, tf.scatter_nd, tf.slice --------
def _well_conditioned(rng, n=3):
    return rng.normal(size=(n, n)) + n * np.eye(n)


def test_linalg_values_match_numpy():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert np.allclose(tf.linalg.inv(a).numpy(), np.linalg.inv(a), atol=1e-6)
    assert float(tf.linalg.det(a)) == pytest.approx(-2.0, abs=1e-5)
    assert float(tf.linalg.trace(a)) == 5.0
    assert tf.linalg.diag([1, 2]).numpy().tolist() == [[1, 0], [0, 2]]
    assert tf.linalg.diag_part(a).numpy().tolist() == [1.0, 4.0]
    s, u, v = tf.linalg.svd(a)  # TensorFlow's order and layout: a = u · diag(s) · vᵀ
    assert np.allclose((u @ tf.linalg.diag(s) @ tf.transpose(v)).numpy(), a, atol=1e-5)
    q, r = tf.linalg.qr(a)
    assert np.allclose((q @ r).numpy(), a, atol=1e-5) and r.numpy()[1, 0] == 0
    w = tf.linalg.eigvals(tf.constant([[1.0, 2.0], [3.0, 4.0]]))  # float32 → complex64
    assert w.dtype == np.complex64
    assert np.allclose(np.sort(w.numpy().real), np.sort(np.linalg.eigvals(a).real), atol=1e-5)
    assert tf.linalg.matrix_transpose(tf.zeros((2, 3, 4))).shape == (2, 4, 3)


@pytest.mark.parametrize("name", ["inv", "det", "trace", "diag_part"])
def test_linalg_gradients(name, float64):
    rng = np.random.default_rng(2)
    op = getattr(tf.linalg, name)
    a = _well_conditioned(rng)
    xs = [a]
    dy = rng.normal(size=np.shape(op(tf.constant(a)).numpy()))
    v = tf.Variable(a)
    with tf.GradientTape() as tape:
        L = tf.reduce_sum(op(v) * dy)
    numeric = numerical_grad(lambda: float(np.sum(op(tf.constant(xs[0])).numpy() * dy)), a)
    assert_grad_close(tape.gradient(L, v).numpy(), numeric)


def test_linalg_diag_gradient_and_batched_inverse(float64):
    _check(tf.linalg.diag, (2, 3))
    rng = np.random.default_rng(3)
    batch = np.stack([_well_conditioned(rng), _well_conditioned(rng)])
    v = tf.Variable(batch)
    with tf.GradientTape() as tape:
        L = tf.reduce_sum(tf.linalg.inv(v)) + tf.reduce_sum(tf.linalg.det(v))
    numeric = numerical_grad(lambda: float(np.sum(np.linalg.inv(batch))
                                           + np.sum(np.linalg.det(batch))), batch)
    assert_grad_close(tape.gradient(L, v).numpy(), numeric)


def test_factorisations_say_they_have_no_derivative():
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        s, u, _ = tf.linalg.svd(v)
        L = tf.reduce_sum(s)
    with pytest.raises(NotImplementedError, match="no derivative for tf.linalg.svd"):
        tape.gradient(L, v)


def test_top_k_values_indices_and_gradient(float64):
    values, indices = tf.math.top_k(tf.constant([1, 5, 3, 9]), 3)
    assert values.numpy().tolist() == [9, 5, 3] and indices.numpy().tolist() == [3, 1, 2]
    assert indices.dtype == np.int32 and tf.nn.top_k(tf.constant([2.0, 1.0])).indices == 0
    _check(lambda a: tf.math.top_k(a, 2).values, (3, 4))


def test_clip_by_norm_values_and_gradient(float64):
    assert np.allclose(tf.clip_by_norm(tf.constant([3.0, 4.0]), 1.0).numpy(), [0.6, 0.8])
    assert tf.clip_by_norm(tf.constant([3.0, 4.0]), 10.0).numpy().tolist() == [3.0, 4.0]
    rows = tf.clip_by_norm(tf.constant([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1]).numpy()
    assert np.allclose(rows, [[0.6, 0.8], [0.3, 0.4]])
    _check(lambda a: tf.clip_by_norm(a, 1.0), (2, 3))
    _check(lambda a: tf.clip_by_norm(a, 1.0, axes=[1]), (2, 3))


def test_gather_nd_scatter_nd_slice_values_and_gradients(float64):
    t = tf.reshape(tf.range(12), (3, 4))
    assert tf.gather_nd(t, [(0, 0), (2, 3)]).numpy().tolist() == [0, 11]
    assert tf.gather_nd(t, [[1], [0]]).numpy().tolist() == [[4, 5, 6, 7], [0, 1, 2, 3]]
    s = tf.scatter_nd([[0, 0], [2, 1], [0, 0]], [1.0, 2.0, 3.0], (3, 2))
    assert s.numpy().tolist() == [[4.0, 0.0], [0.0, 0.0], [0.0, 2.0]]  # repeats add up
    assert tf.slice(t, [1, 0], [2, -1]).numpy().tolist() == [[4, 5, 6, 7], [8, 9, 10, 11]]
    _check(lambda a: tf.gather_nd(a, [(0, 1), (2, 0), (0, 1)]), (3, 2))
    _check(lambda u: tf.scatter_nd([[0, 0], [2, 1], [0, 0]], u, (3, 2)), (3,))
    _check(lambda a: tf.slice(a, [1, 0], [2, 1]), (3, 2))


def test_tensor_spec_timestamp_and_float_seed():
    spec = tf.TensorSpec(shape=[None, 2], dtype=tf.float32)
    assert spec.shape == (None, 2) and spec.dtype == np.float32
    assert spec.is_compatible_with(tf.zeros((5, 2)))
    assert not spec.is_compatible_with(tf.zeros((5, 3)))

    @tf.function(input_signature=[spec])
    def double(x):
        return 2 * x

    assert double(tf.ones((1, 2))).numpy().tolist() == [[2.0, 2.0]]
    t = tf.timestamp()
    assert t.dtype == np.float64 and float(t) > 1.6e9
    tf.random.set_seed(1.0)
    a = tf.random.uniform([3]).numpy()
    tf.random.set_seed(1)
    assert np.array_equal(a, tf.random.uniform([3]).numpy())
    with pytest.raises(TypeError, match="integer"):
        tf.random.set_seed(1.5)


# -- layers.Lambda, tf.config, TensorShape ----------------------------------------------------
def test_lambda_layer_in_sequential_and_functional_models(seed):
    from glassnet.keras import layers

    model = tf.keras.Sequential([
        layers.Dense(4, input_shape=(3,)),
        layers.Lambda(lambda x: x ** 2),
        layers.Lambda(lambda x, k: tf.reduce_sum(x, axis=1, keepdims=True) * k,
                      arguments={"k": 2.0}),
    ])
    assert model.output_shape == (None, 1)
    x = seed.random((8, 3)).astype(np.float32)
    W, b = (w.numpy() for w in model.layers[0].weights)
    expected = 2.0 * ((x @ W + b) ** 2).sum(axis=1, keepdims=True)
    assert np.allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
    model.compile(optimizer="sgd", loss="mse")
    before = W.copy()
    model.fit(x, np.ones((8, 1)), epochs=1, verbose=0)  # the gradient reaches the Dense
    assert not np.allclose(model.layers[0].weights[0].numpy(), before)
    inputs = tf.keras.Input(shape=(5,))
    outputs = layers.Lambda(lambda t: t[:, :2], output_shape=(2,))(inputs)
    assert tf.keras.Model(inputs, outputs).output_shape == (None, 2)
    with pytest.raises(TypeError, match="cannot store"):
        model.layers[1].get_config()
    with pytest.raises(TypeError, match="needs a function"):
        layers.Lambda(3)


def test_lambda_layer_gradient(float64):
    from glassnet.keras import layers

    layer = layers.Lambda(lambda x: tf.tanh(x) * x)
    _check(lambda a: layer(a), (2, 3))


def test_config_lists_a_cpu_and_no_gpu():
    assert tf.config.list_physical_devices("GPU") == []
    (cpu,) = tf.config.list_physical_devices()
    assert cpu.device_type == "CPU" and cpu.name == "/physical_device:CPU:0"
    assert tf.config.experimental.list_physical_devices("GPU") == []
    tf.config.experimental.set_memory_growth(cpu, True)
    tf.config.run_functions_eagerly(True)
    assert tf.keras.config.floatx() == "float32" and tf.keras.config.epsilon() == 1e-7


def test_tensor_shape_is_a_tuple_with_tensorflows_methods():
    x = tf.zeros((2, 3))
    assert x.shape == (2, 3) and x.shape.as_list() == [2, 3] and x.shape.rank == 2
    assert x.shape.num_elements() == 6 and x.shape[1:].as_list() == [3]
    assert x.get_shape().as_list() == [2, 3] and str(x.shape) == "(2, 3)"
    spec = tf.TensorShape([None, 3])
    assert spec.as_list() == [None, 3] and spec.num_elements() is None
    assert not spec.is_fully_defined() and tf.Variable([1.0]).shape.as_list() == [1]


# -- tf.map_fn, tf.foldl, tf.foldr, tf.math.cumprod, broadcast shapes -------------------------
def test_folds_and_map_fn_values():
    assert int(tf.foldr(lambda a, b: a + b, tf.range(10))) == 45
    assert int(tf.foldl(lambda a, b: a * 10 + b, tf.constant([1, 2, 3]))) == 123
    assert int(tf.foldr(lambda a, b: a * 10 + b, tf.constant([1, 2, 3]))) == 321
    assert int(tf.foldl(lambda a, b: a + b, tf.constant([1, 2]), initializer=10)) == 13
    assert tf.map_fn(lambda x: x * x, tf.constant([1.0, 2.0, 3.0])).numpy().tolist() == \
        [1.0, 4.0, 9.0]
    s, p = tf.map_fn(lambda t: (t[0] + t[1], t[0] * t[1]),
                     (tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])))
    assert s.numpy().tolist() == [4.0, 6.0] and p.numpy().tolist() == [3.0, 8.0]


def test_folds_and_map_fn_gradients(float64):
    _check(lambda a: tf.map_fn(lambda row: tf.reduce_sum(row * row), a), (3, 2))
    _check(lambda a: tf.foldl(lambda acc, row: acc * row, a), (3, 2))
    _check(lambda a: tf.foldr(lambda acc, row: tf.tanh(acc) + row, a), (4, 2))


@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_cumprod_values_and_gradient(exclusive, reverse, float64):
    x = tf.constant([1.0, 2.0, 3.0, 4.0])
    y = tf.math.cumprod(x, exclusive=exclusive, reverse=reverse).numpy().tolist()
    expected = {(False, False): [1, 2, 6, 24], (True, False): [1, 1, 2, 6],
                (False, True): [24, 24, 12, 4], (True, True): [24, 12, 4, 1]}
    assert y == expected[(exclusive, reverse)]
    rng = np.random.default_rng(4)
    a = rng.uniform(0.5, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4))
    v = tf.Variable(a)
    dy = rng.normal(size=(3, 4))
    with tf.GradientTape() as tape:
        L = tf.reduce_sum(tf.math.cumprod(v, axis=1, exclusive=exclusive, reverse=reverse) * dy)
    numeric = numerical_grad(lambda: float(np.sum(tf.math.cumprod(
        tf.constant(a), axis=1, exclusive=exclusive, reverse=reverse).numpy() * dy)), a)
    assert_grad_close(tape.gradient(L, v).numpy(), numeric)


def test_broadcast_shapes():
    shape = tf.broadcast_static_shape(tf.zeros((3, 1)).shape, tf.zeros((1, 4)).shape)
    assert shape.as_list() == [3, 4]
    dynamic = tf.broadcast_dynamic_shape(tf.shape(tf.zeros((3, 1))), tf.constant([1, 4]))
    assert dynamic.numpy().tolist() == [3, 4] and dynamic.dtype == np.int32


# -- tf.errors.InvalidArgumentError, keras.saving, layer.submodules --------------------------
def test_shape_errors_are_tensorflows_invalid_argument_error():
    with pytest.raises(tf.errors.InvalidArgumentError, match="size-incompatible"):
        tf.constant([[1.0, 2.0]]) @ tf.constant([[1.0, 2.0, 3.0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):  # still a ValueError, as before
        tf.constant([1.0, 2.0]) * tf.constant([1.0, 2.0, 3.0])


def test_keras_saving_names_the_custom_object_api():
    import glassnet as keras

    @keras.saving.register_keras_serializable()
    class Twice(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    assert Twice in keras.saving.get_custom_objects().values()
    assert keras.saving.load_model is keras.models.load_model


def test_layers_and_models_list_their_submodules():
    inner = tf.keras.Sequential([tf.keras.layers.Dense(3)])
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(3,)), inner])
    assert model.submodules == (model.layers[0], inner, inner.layers[0])

    class Two(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.first = tf.keras.layers.Dense(2)
            self.rest = [tf.keras.layers.Dense(1)]

        def call(self, x):
            return self.rest[0](self.first(x))

    two = Two()
    assert two.submodules == (two.first, two.rest[0])
