"""TensorFlow ops on the functional API's symbolic tensors (Keras 2's TFOpLambda nodes),
``model.add_loss`` / ``model.add_metric`` on them, and training on ``add_loss`` alone
(keras.io "Training & evaluation with the built-in methods", "The Functional API")."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_model_gradients

import glassnet as tf
from glassnet import keras, layers
from glassnet.graph import KerasTensor


def test_ops_on_symbolic_tensors_make_nodes_with_the_right_shapes():
    x = keras.Input(shape=(4,))
    cases = {
        "concat": (tf.concat([x, x], axis=-1), (None, 8)),
        "slice": (x[:, :2], (None, 2)),
        "rmul": (-0.5 * x, (None, 4)),
        "rsub": (1 - x, (None, 4)),
        "div": (x / 2, (None, 4)),
        "reduce": (tf.reduce_mean(x, axis=1, keepdims=True), (None, 1)),
        "keras.ops": (keras.ops.mean(tf.square(x), axis=-1), (None,)),
        "nn": (tf.nn.relu(x), (None, 4)),
    }
    for name, (t, shape) in cases.items():
        assert isinstance(t, KerasTensor), name
        assert t.shape == shape, name


def test_a_model_with_ops_computes_what_numpy_computes(seed):
    x = keras.Input(shape=(3,))
    h = layers.Dense(5)(x)
    y = tf.concat([tf.tanh(h) * 2.0 + 1.0, tf.reduce_sum(tf.square(h), axis=1,
                                                         keepdims=True)], axis=-1)
    model = keras.Model(x, y)
    data = seed.standard_normal((6, 3)).astype("float32")
    W, b = model.layers[1].get_weights()
    z = data @ W + b
    expected = np.concatenate([np.tanh(z) * 2 + 1, (z ** 2).sum(1, keepdims=True)], axis=1)
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-5)
    assert model.layers[2].name.startswith("tf.math.")  # Keras 2's naming of op layers


def test_eager_ops_still_compute_numbers():
    t = tf.reduce_sum(tf.constant([[1.0, 2.0], [3.0, 4.0]]), axis=0)
    np.testing.assert_array_equal(t.numpy(), [4.0, 6.0])


def _add_loss_model():
    inputs = keras.Input(shape=(3,))
    x1 = layers.Dense(4, activation="tanh")(inputs)
    outputs = layers.Dense(2)(tf.square(x1) - x1)
    model = keras.Model(inputs, outputs)
    model.add_loss(0.1 * tf.reduce_mean(tf.exp(x1)))
    return model, x1


def test_add_loss_gradient_float64(float64, seed):
    """dL/dθ of L = mse + 0.1 mean(exp(x1)) through op nodes and an AddLoss node."""
    model, _ = _add_loss_model()
    model.compile(optimizer="sgd", loss="mse")
    x = seed.standard_normal((5, 3))
    y = seed.standard_normal((5, 2))
    assert check_model_gradients(model, x, y) == model.count_params()


def test_add_loss_is_part_of_the_loss_and_model_losses(seed):
    model, _ = _add_loss_model()
    model.compile(optimizer="sgd", loss="mse")
    x = seed.standard_normal((8, 3)).astype("float32")
    y = seed.standard_normal((8, 2)).astype("float32")
    W, b = model.layers[1].get_weights()
    added = 0.1 * np.exp(np.tanh(x @ W + b)).mean()
    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    loss = model.evaluate(x, y, batch_size=8, verbose=0)
    assert loss == pytest.approx(mse + added, rel=1e-5)
    assert model.losses == [pytest.approx(added, rel=1e-5)]
    assert any(type(layer).__name__ == "AddLoss" for layer in model.layers)


def test_add_metric_reports_the_mean_of_the_tensor(seed, monkeypatch):
    from glassnet import legacy
    monkeypatch.setattr(legacy, "_WARNED", set())  # the warning is once per process
    inputs = keras.Input(shape=(3,))
    x1 = layers.Dense(4, activation="relu")(inputs)
    model = keras.Model(inputs, layers.Dense(1)(x1))
    with pytest.warns(UserWarning):  # Keras 2's spelling
        model.add_metric(keras.backend.std(x1), name="std_of_activation", aggregation="mean")
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    x = seed.standard_normal((16, 3)).astype("float32")
    history = model.fit(x, np.zeros((16, 1)), batch_size=16, verbose=0)
    W, b = model.layers[1].get_weights()
    expected = np.maximum(x @ W + b, 0).std()
    assert history.history["std_of_activation"][0] == pytest.approx(expected, rel=1e-5)


class LogisticEndpoint(keras.layers.Layer):
    """The keras.io guide's endpoint layer: call(targets, logits) adds its loss."""

    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return tf.nn.softmax(logits)


def _endpoint_model():
    inputs = keras.Input(shape=(3,), name="inputs")
    targets = keras.Input(shape=(4,), name="targets")
    logits = layers.Dense(4)(inputs)
    predictions = LogisticEndpoint(name="predictions")(targets, logits)  # two positionals
    return keras.Model(inputs=[inputs, targets], outputs=predictions)


def test_compile_without_loss_trains_on_add_loss(seed):
    model = _endpoint_model()
    model.compile(optimizer=keras.optimizers.Adam(0.05))  # no loss argument
    data = {"inputs": seed.random((32, 3)), "targets": (seed.random((32, 4)) > 0.5) * 1.0}
    history = model.fit(data, epochs=20, batch_size=32, verbose=0)  # no y
    losses = history.history["loss"]
    assert losses[-1] < losses[0] - 0.05
    assert model.predict(data, verbose=0).shape == (32, 4)


def test_endpoint_gradient_float64(float64, seed):
    model = _endpoint_model()
    model.compile(optimizer="sgd")
    x = [seed.random((6, 3)), (seed.random((6, 4)) > 0.5) * 1.0]
    assert check_model_gradients(model, x, None) == model.count_params()


def test_compile_without_loss_still_explains_for_built_in_layers():
    model = tf.keras.Sequential([layers.Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="compile needs a loss"):
        model.compile(optimizer="adam")


def test_layer_metrics_lists_the_metric_objects_it_holds():
    class Endpoint(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.accuracy_fn = keras.metrics.BinaryAccuracy()

        def call(self, targets, logits):
            self.accuracy_fn.update_state(targets, tf.sigmoid(logits))
            return logits

    layer = Endpoint()
    layer(tf.ones((2, 2)), tf.ones((2, 2)))
    assert layer.metrics == [layer.accuracy_fn]
    assert float(layer.metrics[0].result()) == 1.0


def test_a_model_with_op_nodes_and_add_loss_round_trips_through_a_glassnet_file(tmp_path,
                                                                                  seed):
    inputs = keras.Input(shape=(3,))
    h = layers.Dense(4)(inputs)
    both = tf.concat([tf.nn.relu(h) * 2.0, tf.reduce_mean(h, axis=1, keepdims=True)], axis=-1)
    model = keras.Model(inputs, layers.Dense(2)(both))
    model.add_loss(0.1 * tf.reduce_mean(tf.square(h)))
    model.add_metric(keras.ops.std(h), name="hstd")
    model.compile(optimizer="adam", loss="mse")
    x = seed.random((8, 3)).astype("float32")
    y = seed.random((8, 2)).astype("float32")
    path = str(tmp_path / "m.glassnet")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(expected)
    with pytest.raises(NotImplementedError, match="model.glassnet"):
        model.save(str(tmp_path / "m.keras"))


def test_an_op_given_an_array_is_not_stored_and_says_so(tmp_path):
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, inputs * np.ones(3, "float32"))
    with pytest.raises(TypeError, match="save_weights"):
        model.save(str(tmp_path / "m.glassnet"))
