"""Layers written Keras style: ``build``/``call``/``add_weight``, sub-layers, and the
backward pass that the tape gives them, so that ``fit`` trains them like built-in layers."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from test_gradients import assert_grad_close, numerical_grad

import glassnet as tf
from glassnet import layers
from glassnet.tensor import Tensor, Variable


class MyDense(layers.Layer):
    """The custom Dense of the Keras guide "Making new layers and models via subclassing"."""

    def __init__(self, units=32, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        self.seen_shape = input_shape
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True, name="kernel")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True,
                                 name="bias")

    def call(self, inputs):
        z = tf.matmul(inputs, self.w) + self.b
        return tf.nn.relu(z) if self.activation == "relu" else z


class Linear(layers.Layer):
    """Weights made in ``__init__``, Keras 2 style ``add_weight`` arguments."""

    def __init__(self, units=4, input_dim=3):
        super().__init__()
        self.w = self.add_weight("w", (input_dim, units), initializer="ones")
        self.b = self.add_weight("b", shape=(units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.matmul(inputs, self.w) + self.b


class Block(layers.Layer):
    """Sub-layers as attributes and in a list; one of them used twice."""

    def __init__(self):
        super().__init__()
        self.first = layers.Dense(4, activation="tanh", bias_initializer="random_normal")
        self.inner = MyDense(4)
        self.heads = [layers.Dense(2), layers.Dense(2, activation="sigmoid")]
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

    def call(self, inputs, training=None):
        h = self.inner(self.first(inputs))
        h = self.inner(tf.tanh(h))  # the same sub-layer twice: its gradients add up
        return self.scale * (self.heads[0](h) + self.heads[1](h))


def test_build_gets_the_batch_axis_and_add_weight_returns_variables():
    layer = MyDense(3)
    y = layer(np.ones((2, 5)))
    assert layer.seen_shape == (None, 5)
    assert isinstance(y, Tensor) and y.shape == (2, 3) and y.dtype == np.float32
    assert isinstance(layer.w, Variable) and layer.w.shape == (5, 3)
    assert layer.trainable_variables[0] is layer.w and layer.trainable_variables[1] is layer.b
    assert layer.output_shape == (3,) and layer.count_params() == 18
    assert sorted(layer.params) == ["bias", "kernel"]


def test_add_weight_accepts_keras_2_and_keras_3_spellings():
    lin = Linear()
    np.testing.assert_array_equal(lin(tf.ones((1, 3))), [[3, 3, 3, 3]])
    layer = layers.Layer()
    v = layer.add_weight((2, 3), "zeros")  # Keras 3 positional: shape, initializer
    k = layer.add_weight("k", (3,), "float64", "ones")  # Keras 2: name, shape, dtype, init
    n = layer.add_weight("n", (2,), None, "ones", None, False)  # all six of Keras 2
    assert not n.trainable and n.numpy().tolist() == [1, 1]
    u = layer.add_weight(shape=(4, 4))  # Keras's default: glorot_uniform
    frozen = layer.add_weight(shape=(2,), trainable=False, name="count")
    assert v.shape == (2, 3) and v.name.endswith("/variable") and float(tf.reduce_sum(v)) == 0
    assert k.dtype == np.float64 and k.numpy().tolist() == [1, 1, 1]
    assert 0 < float(tf.reduce_max(tf.abs(u))) <= np.sqrt(6 / 8)
    assert not frozen.trainable and "count" in layer.state
    assert [w.shape for w in layer.weights] == [(2, 3), (3,), (4, 4), (2,), (2,)]
    with pytest.raises(ValueError, match="add_weight needs a shape"):
        layer.add_weight(name="nothing")


def test_a_variable_follows_the_model_moving_weights_into_theta():
    layer = MyDense(2)
    layer(np.ones((1, 3)))
    theta = np.zeros(layer.params["kernel"].size, np.float32)
    theta[...] = layer.params["kernel"].ravel()
    layer.params["kernel"] = theta.reshape(3, 2)  # what Model._bind_parameters does
    layer.w.assign(np.full((3, 2), 0.5))
    assert np.all(theta == 0.5)


def test_custom_dense_forward_backward_equal_builtin_dense(float64):
    rng = np.random.default_rng(0)
    x, dy = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    mine, builtin = MyDense(3, activation="relu"), layers.Dense(3, activation="relu")
    mine(x[:1])
    builtin.build((5,))
    builtin.set_weights([rng.standard_normal((5, 3)), rng.standard_normal(3) * 0.1])
    mine.set_weights(builtin.get_weights())
    np.testing.assert_allclose(mine.forward(x), builtin.forward(x), rtol=1e-12)
    dx_mine, dx_builtin = mine.backward(dy), builtin.backward(dy)
    np.testing.assert_allclose(dx_mine, dx_builtin, rtol=1e-12)
    for k in ("kernel", "bias"):
        np.testing.assert_allclose(mine.grads[k], builtin.grads[k], rtol=1e-12)


def test_sub_layers_are_tracked_and_get_their_gradients(float64):
    rng = np.random.default_rng(1)
    block = Block()
    x = rng.standard_normal((3, 5))
    block(x)
    assert [type(s).__name__ for s in block.sublayers] == ["Dense", "MyDense", "Dense", "Dense"]
    assert len(block.trainable_variables) == 1 + 2 + 2 + 2 + 2  # own scale, then sub-layers'
    assert block.count_params() == 1 + (5 * 4 + 4) + (4 * 4 + 4) + 2 * (4 * 2 + 2)
    weights = block.get_weights()
    block.set_weights([w + 0.01 for w in weights])
    np.testing.assert_allclose(block.get_weights()[3], weights[3] + 0.01)
    # backward (what fit runs) against central differences, for the input and every weight
    block.scale.assign(1.5)
    dy = rng.standard_normal((3, 2))

    def loss():
        return float(np.sum(dy * block.forward(x)))

    block.forward(x)
    dx = block.backward(dy)
    analytic = {(layer.name, k): layer.grads[k].copy() for layer in block.leaves()
                for k in layer.params}
    assert_grad_close(dx, numerical_grad(loss, x))
    for layer in block.leaves():
        for k, p in layer.params.items():
            assert_grad_close(analytic[layer.name, k], numerical_grad(loss, p))


def test_a_trained_custom_layer_can_be_copied_and_pickled():
    block = Block()
    x = np.ones((2, 5), np.float32)
    block.forward(x)
    block.backward(np.ones((2, 2), np.float32))
    for twin in (copy.deepcopy(block), pickle.loads(pickle.dumps(block))):
        np.testing.assert_array_equal(twin.forward(x), block.forward(x))
        twin.inner.w.assign_add(np.ones((4, 4)))  # the twin's variables are its own ...
        assert twin.inner.params["kernel"] is twin.inner.w.array  # ... backed by its params
        assert not np.array_equal(twin.forward(x), block.forward(x))
        assert twin.backward(np.ones((2, 2), np.float32)).shape == (2, 5)


def test_training_argument_reaches_call():
    class Noisy(layers.Layer):
        def call(self, inputs, training=None):
            return inputs + 1.0 if training else inputs

    layer = Noisy()
    x = np.zeros((2, 2), np.float32)
    assert float(tf.reduce_sum(layer(x, training=True))) == 4
    assert float(tf.reduce_sum(layer(x))) == 0
    np.testing.assert_array_equal(layer.forward(x, training=True), np.ones((2, 2)))


def test_fit_trains_a_custom_dense_to_the_weights_of_the_builtin_dense():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    pairs = [(MyDense(8, activation="relu"), layers.Dense(3, activation="softmax")),
             (layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax"))]
    for hidden, head in pairs:  # built here (the graph-model core will use ensure_built)
        hidden(x[:1])
        head(np.zeros((1, 8)))
    for theirs, mine in zip(pairs[1], pairs[0]):
        theirs.set_weights(mine.get_weights())  # the same start
    start = pairs[0][0].get_weights()
    trained = []
    for hidden, head in pairs:
        model = tf.keras.Sequential([hidden, head])
        model.compile(optimizer=tf.keras.optimizers.SGD(0.1),
                      loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        trained.append(model.get_weights())
    for mine, builtin in zip(*trained):
        np.testing.assert_allclose(mine, builtin, rtol=1e-5, atol=1e-6)
    assert not np.allclose(trained[0][0], start[0])  # it did train


def test_gradient_tape_loop_trains_custom_layers():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    layer = MyDense(1)
    for _ in range(200):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x) - y))
        grads = tape.gradient(loss, layer.trainable_variables)
        for v, g in zip(layer.trainable_variables, grads):
            v.assign_sub(0.1 * g)
    np.testing.assert_allclose(layer.w.numpy().ravel(), [1.0, -2.0, 0.5], atol=1e-3)
    np.testing.assert_allclose(layer.b.numpy(), [0.3], atol=1e-3)


# -- errors -------------------------------------------------------------------------------
def test_a_weight_without_gradient_warns_once():
    class Forgetful(MyDense):
        def call(self, inputs):
            return tf.matmul(inputs, self.w)  # the bias is never used

    layer = Forgetful(2)
    x = np.ones((3, 4), np.float32)
    layer(x)
    with pytest.warns(UserWarning, match=r"weight .*/bias received no gradient"):
        layer.forward(x)
        layer.backward(np.ones((3, 2), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer.forward(x)
        layer.backward(np.ones((3, 2), np.float32))  # once only


def test_numpy_code_in_call_is_an_error_that_names_the_fix():
    class NumpyCall(MyDense):
        def call(self, inputs):
            return np.cumsum(tf.matmul(inputs, self.w), axis=1)

    layer = NumpyCall(2)
    with pytest.raises(TypeError, match=r"np.cumsum .* GradientTape is watching"):
        layer.forward(np.ones((2, 3), np.float32))

    class ReturnsArray(MyDense):
        def call(self, inputs):
            return np.asarray(inputs) @ self.w.numpy()

    layer = ReturnsArray(2)
    with pytest.raises(TypeError, match=r"call returned ndarray, not a tensor"):
        layer.forward(np.ones((2, 3), np.float32))


def test_a_layer_with_neither_call_nor_forward_says_what_to_define():
    with pytest.raises(NotImplementedError, match="must define call"):
        layers.Layer().forward(np.ones((1, 2)))


def test_a_layer_with_two_inputs_and_its_own_output_shape():
    class Mix(layers.Layer):
        def build(self, input_shape):
            self.seen = input_shape
            self.w = self.add_weight(shape=(input_shape[1][-1], 2), initializer="ones")

        def call(self, inputs):
            a, b = inputs
            return a + tf.matmul(b, self.w)

        def compute_output_shape(self, input_shape):
            return input_shape[0]

    layer = Mix()
    y = layer([np.zeros((3, 2)), np.ones((3, 4))])
    assert layer.seen == [(None, 2), (None, 4)] and layer.output_shape == (2,)
    np.testing.assert_array_equal(y, np.full((3, 2), 4.0))
    tokens = tf.constant([[1, 2]])

    class Lookup(layers.Layer):
        def call(self, ids):
            return tf.gather(tf.eye(3), ids)

    assert Lookup()(tokens).shape == (1, 2, 3)  # integer inputs stay integers
