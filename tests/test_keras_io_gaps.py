"""What keras.io's guides and examples (tf.keras era) needed that glassnet lacked: found by
running them with the import swapped (endpoint layers, knowledge distillation, siamese
networks, masking, metrics in callbacks, Géron's second edition)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from glassnet.keras import layers
from test_gradients import assert_grad_close, check_layer, numerical_grad

import glassnet as tf
from glassnet import keras


# -- a loss called with sample_weight ------------------------------------------------------
@pytest.mark.parametrize("loss", [keras.losses.MeanSquaredError(),
                                  keras.losses.BinaryCrossentropy(from_logits=True),
                                  keras.losses.CategoricalCrossentropy()])
def test_loss_sample_weight_value_and_gradient(float64, loss):
    """``loss(y, ŷ, w) = mean_i w_i L_i`` (divided by the batch size, as Keras 3's
    "sum over batch size"), and its gradient by central differences."""
    rng = np.random.default_rng(0)
    p = rng.uniform(0.1, 1.0, (5, 3))
    y_pred = p / p.sum(axis=1, keepdims=True)
    y = np.eye(3)[rng.integers(0, 3, 5)]
    w = rng.uniform(0.0, 2.0, (5, 1))
    per_sample = [float(loss(y[i:i + 1], y_pred[i:i + 1])) for i in range(5)]
    assert float(loss(y, y_pred, w)) == pytest.approx(np.mean(np.array(per_sample) * w[:, 0]))
    assert float(loss(y, y_pred, w)) != pytest.approx(float(loss(y, y_pred)))

    x = tf.Variable(y_pred)
    with tf.GradientTape() as tape:
        value = loss(y, x, w[:, 0])
    analytic = tape.gradient(value, x).numpy()
    numeric = numerical_grad(lambda: float(loss(y, y_pred, w[:, 0])), y_pred)
    assert_grad_close(analytic, numeric)


def test_compute_loss_takes_sample_weight():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    model.compile(loss="mse")
    y, y_pred = np.zeros((4, 1)), np.array([[1.0], [2.0], [3.0], [4.0]])
    w = np.array([1.0, 0.0, 0.0, 1.0])
    assert float(model.compute_loss(y=y, y_pred=y_pred, sample_weight=w)) == \
        pytest.approx((1 + 16) / 4)


# -- keras.io "Endpoint layer pattern" -----------------------------------------------------
class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, logits, targets=None, sample_weight=None):
        if targets is not None:
            self.add_loss(self.loss_fn(targets, logits, sample_weight))
        return tf.nn.sigmoid(logits)


def test_endpoint_layer_with_targets_and_sample_weight_trains(seed):
    inputs = keras.Input((8,), name="inputs")
    targets = keras.Input((1,), name="targets")
    sample_weight = keras.Input((1,), name="sample_weight")
    preds = LogisticEndpoint()(layers.Dense(1)(inputs), targets, sample_weight)
    model = keras.Model([inputs, targets, sample_weight], preds)
    model.compile(keras.optimizers.Adam(0.05))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 8))
    data = {"inputs": x, "targets": (x[:, :1] > 0).astype("float32"),
            "sample_weight": np.ones((256, 1))}
    history = model.fit(data, epochs=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_layer_called_with_its_first_input_by_name():
    """``endpoint(logits=z, targets=y)``, as keras.io's subclassed LogReg calls it."""
    z = np.array([[0.0], [2.0]], "float32")
    layer = LogisticEndpoint()
    out = layer(logits=z, targets=np.array([[0.0], [1.0]]))
    np.testing.assert_allclose(out.numpy(), 1 / (1 + np.exp(-z)), rtol=1e-6)
    assert len(layer.losses) == 1
    np.testing.assert_allclose(layers.Dense(2, kernel_initializer="ones")(inputs=z).numpy(),
                               np.repeat(z, 2, axis=1))
    with pytest.raises(TypeError, match=r"layer\(logits=x\)"):
        layer(targets=z)


# -- metrics: result() is a tensor, as in Keras --------------------------------------------
def test_metric_result_is_a_tensor_with_numpy_and_dtype():
    m = keras.metrics.Mean("jaccard_score")
    m.update_state([1.0, 2.0, 6.0])
    assert m.result().numpy().astype(float) == pytest.approx(3.0)
    assert float(m([3.0])) == pytest.approx(3.0)
    assert m.dtype == "float32"
    assert keras.metrics.Mean(dtype="float64").dtype == "float64"


def test_fit_logs_are_floats_with_tensor_results():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(np.ones((8, 2)), np.zeros(8), epochs=1, verbose=0)
    assert all(type(v[0]) is float for v in history.history.values())


# -- keras.io "Knowledge distillation": a Model without call, its own train/test_step --------
class Distiller(keras.Model):
    def __init__(self, student, teacher):
        super().__init__()
        self.student, self.teacher = student, teacher

    def compile(self, optimizer, metrics, student_loss_fn, distillation_loss_fn):
        super().compile(optimizer=optimizer, metrics=metrics)
        self.student_loss_fn = student_loss_fn
        self.distillation_loss_fn = distillation_loss_fn

    def train_step(self, data):
        x, y = data
        teacher_predictions = self.teacher(x, training=False)
        with tf.GradientTape() as tape:
            student_predictions = self.student(x, training=True)
            loss = 0.5 * self.student_loss_fn(y, student_predictions) + \
                0.5 * self.distillation_loss_fn(tf.nn.softmax(teacher_predictions, axis=1),
                                                tf.nn.softmax(student_predictions, axis=1))
        trainable_vars = self.student.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, trainable_vars),
                                           trainable_vars))
        self.compiled_metrics.update_state(y, student_predictions)
        results = {m.name: m.result() for m in self.metrics}
        results["student_loss"] = loss
        return results

    def test_step(self, data):
        x, y = data
        y_prediction = self.student(x, training=False)
        self.compiled_metrics.update_state(y, y_prediction)
        results = {m.name: m.result() for m in self.metrics}
        results["student_loss"] = self.student_loss_fn(y, y_prediction)
        return results


def test_distiller_without_call_trains_and_evaluates_with_its_steps(seed):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")

    def net():
        return keras.Sequential([keras.Input((4,)), layers.Dense(2)])

    teacher, student = net(), net()
    teacher.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    teacher.fit(x, y, epochs=20, verbose=0)
    distiller = Distiller(student, teacher)
    distiller.compile(keras.optimizers.Adam(0.05),
                      [keras.metrics.SparseCategoricalAccuracy()],
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      keras.losses.KLDivergence())
    history = distiller.fit(x, y, epochs=5, verbose=0, validation_data=(x, y))
    assert {"sparse_categorical_accuracy", "student_loss",
            "val_student_loss"} <= set(history.history)
    logs = distiller.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["sparse_categorical_accuracy"] > 0.8  # the student learned
    direct = np.mean(np.argmax(student.predict(x, verbose=0), axis=1) == y)
    assert logs["sparse_categorical_accuracy"] == pytest.approx(direct)


# -- keras.io "Siamese network": (n, 28, 28) data for Input((28, 28, 1)) --------------------
def test_a_missing_last_axis_of_one_is_added_as_keras_does():
    model = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(2, 3), layers.Flatten()])
    x = np.random.default_rng(0).normal(size=(3, 4, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x[..., None],
                                                                          verbose=0))
    dense = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    col = np.ones((5, 3, 1), "float32")
    assert dense.predict(col, verbose=0).shape == (5, 1)  # and an extra one is dropped
    with pytest.raises(tf.InputError, match="incompatible"):
        model.predict(np.ones((3, 4, 5)), verbose=0)


# -- keras.io "Understanding masking and padding": a custom layer on any length -----------
def test_custom_layer_keeps_unknown_length_and_symbolic_mask():
    class MyActivation(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return tf.nn.relu(inputs)

    inputs = keras.Input(shape=(None,), dtype="int32")
    x = layers.Embedding(input_dim=50, output_dim=4, mask_zero=True)(inputs)
    x = MyActivation()(x)
    assert x.shape == (None, None, 4)
    assert x._keras_mask.shape == (None, None) and x._keras_mask.dtype == "bool"
    assert layers.Dense(2)(keras.Input((3,)))._keras_mask is None
    model = keras.Model(inputs, layers.LSTM(3)(x))
    assert model.predict(np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]]), verbose=0).shape == (2, 3)


# -- Géron ch. 15 (WaveNet): Conv1D with dilation_rate -------------------------------------
REFS = Path(__file__).parent / "data" / "keras_refs" / "conv1d_dilated.npz"


@pytest.mark.parametrize("padding", ["causal", "same", "valid"])
@pytest.mark.parametrize("k,d,steps", [(2, 2, 9), (3, 4, 13), (2, 3, 5)])
def test_dilated_conv1d_matches_keras(padding, k, d, steps):
    """Keras 3.15's outputs on its own weights (tests/keras_reference/
    make_conv1d_dilated_refs.py)."""
    ref = np.load(REFS)
    key = f"{padding}_{k}_{d}_{steps}"
    layer = layers.Conv1D(4, k, padding=padding, dilation_rate=d, activation="tanh")
    layer(ref[f"{key}_x"][:1])  # build
    layer.set_weights([ref[f"{key}_W"], ref[f"{key}_b"]])
    y = layer(ref[f"{key}_x"]).numpy()
    assert y.shape == ref[f"{key}_y"].shape == (2, *layer.compute_output_shape((steps, 3)))
    np.testing.assert_allclose(y, ref[f"{key}_y"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding", ["causal", "same", "valid"])
def test_dilated_conv1d_gradient(padding, float64):
    rng = np.random.default_rng(1)
    layer = layers.Conv1D(3, 3, padding=padding, dilation_rate=2, activation="tanh")
    check_layer(layer, rng.normal(size=(2, 10, 2)), rng)


def test_dilated_conv1d_refuses_strides_and_keeps_its_config():
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.Conv1D(2, 2, strides=2, dilation_rate=2)
    layer = layers.Conv1D(2, 2, padding="causal", dilation_rate=(4,))
    assert layers.Conv1D.from_config(layer.get_config()).dilation_rate == 4


def test_wavenet_stack_trains(seed):
    model = keras.Sequential([keras.Input((None, 1))])
    for rate in (1, 2, 4, 8):
        model.add(layers.Conv1D(8, 2, padding="causal", activation="relu", dilation_rate=rate))
    model.add(layers.Conv1D(1, 1))
    model.compile(keras.optimizers.Adam(0.01), "mse")
    t = np.linspace(0, 20, 64)
    x = np.sin(t + np.random.default_rng(0).uniform(0, 6, (32, 1)))[..., None]
    history = model.fit(x[:, :-1], x[:, 1:], epochs=30, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]


# -- RNN(cell) with a cell of your own (Géron's LNSimpleRNNCell, keras.io's NestedCell) -----
class LNSimpleRNNCell(keras.layers.Layer):
    def __init__(self, units, activation="tanh", **kwargs):
        super().__init__(**kwargs)
        self.state_size = units
        self.output_size = units
        self.simple_rnn_cell = keras.layers.SimpleRNNCell(units, activation=None)
        self.layer_norm = keras.layers.LayerNormalization()
        self.activation = keras.activations.get(activation)

    def call(self, inputs, states):
        outputs, _ = self.simple_rnn_cell(inputs, states)
        norm_outputs = self.activation(self.layer_norm(outputs))
        return norm_outputs, [norm_outputs]


def test_rnn_with_a_cell_of_your_own_matches_its_loop_and_gradient(float64):
    rng = np.random.default_rng(0)
    rnn = keras.layers.RNN(LNSimpleRNNCell(3), return_sequences=True, return_state=True)
    x = rng.normal(size=(2, 4, 2))
    y, h = rnn(x)
    cell, state = rnn.cell, [np.zeros((2, 3))]
    steps = []
    for t in range(4):  # the loop written out
        out, state = cell(x[:, t], state)
        steps.append(out.numpy())
    np.testing.assert_allclose(y.numpy(), np.stack(steps, axis=1), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), steps[-1], rtol=1e-12)

    W = rnn.cell.simple_rnn_cell.trainable_variables[0]  # the kernel
    dy = rng.normal(size=(2, 4, 3))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(rnn(x)[0] * dy)
    analytic = tape.gradient(loss, W).numpy()
    array = W.numpy()

    def f():
        W.assign(array)
        return float(tf.reduce_sum(rnn(x)[0] * dy))
    assert_grad_close(analytic, numerical_grad(f, array))


def test_rnn_with_a_cell_of_your_own_trains_in_a_model(seed):
    model = keras.Sequential([keras.Input((None, 1)),
                              keras.layers.RNN(LNSimpleRNNCell(8), return_sequences=True),
                              keras.layers.TimeDistributed(layers.Dense(1))])
    assert model.output_shape == (None, None, 1)
    assert model.count_params() == (8 + 64 + 8 + 16) + 9  # as Keras counts them
    model.compile(keras.optimizers.Adam(0.02), "mse")
    x = np.random.default_rng(0).normal(size=(32, 6, 1)).astype("float32")
    history = model.fit(x, np.cumsum(x, axis=1) * 0.3, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]


def test_activation_on_a_tensor_is_a_tensor_on_the_tape():
    x = tf.Variable(np.array([[-1.0, 2.0]], "float32"))
    with tf.GradientTape() as tape:
        y = keras.activations.get("tanh")(x)
    assert isinstance(y, tf.Tensor)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), 1 - np.tanh([[-1.0, 2.0]]) ** 2,
                               rtol=1e-6)
    assert isinstance(keras.activations.relu(np.array([-1.0, 1.0])), np.ndarray)
