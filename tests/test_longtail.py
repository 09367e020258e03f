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


# -- dlwp2/dlwp3 ch07: fit/evaluate/predict on a subclassed model with several inputs --------
class _TicketModel(keras.Model):
    """Deep Learning with Python's CustomerTicketModel, small."""

    def __init__(self):
        super().__init__()
        self.concat_layer = keras.layers.Concatenate()
        self.mixing_layer = keras.layers.Dense(6, activation="relu")
        self.priority_scorer = keras.layers.Dense(1, activation="sigmoid")
        self.department_classifier = keras.layers.Dense(3, activation="softmax")

    def call(self, inputs):
        features = self.concat_layer([inputs["title"], inputs["text_body"], inputs["tags"]])
        features = self.mixing_layer(features)
        return self.priority_scorer(features), self.department_classifier(features)


def _ticket_data(n=20):
    rng = np.random.default_rng(0)
    x = {"title": rng.random((n, 4)), "text_body": rng.random((n, 5)), "tags": rng.random((n, 2))}
    return x, [rng.random((n, 1)), np.eye(3)[rng.integers(0, 3, n)]]


def _functional_twin(sub):
    """The same network in the functional API, with the subclassed model's weights."""
    ins = {k: keras.Input(shape=(d,), name=k) for k, d in
           (("title", 4), ("text_body", 5), ("tags", 2))}
    f = keras.layers.Concatenate()([ins["title"], ins["text_body"], ins["tags"]])
    f = keras.layers.Dense(6, activation="relu")(f)
    model = keras.Model(ins, [keras.layers.Dense(1, activation="sigmoid")(f),
                              keras.layers.Dense(3, activation="softmax")(f)])
    model.set_weights(sub.get_weights())
    return model


@pytest.mark.parametrize("called_first", [True, False])
def test_fit_evaluate_predict_a_subclassed_model_with_dict_inputs(called_first):
    x, y = _ticket_data()
    model = _TicketModel()
    if called_first:  # the book calls it eagerly before compile
        priority, department = model(x)
        assert priority.shape == (20, 1) and department.shape == (20, 3)
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss=["mean_squared_error", "categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])
    model.predict(x, verbose=0)  # builds it (when not called first)
    twin = _functional_twin(model)
    twin.compile(optimizer=keras.optimizers.SGD(0.1),
                 loss=["mean_squared_error", "categorical_crossentropy"])
    history = model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0)
    twin.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0)
    assert sorted(history.history) == ["loss", "output_1_loss", "output_1_mean_absolute_error",
                                       "output_2_accuracy", "output_2_loss"]
    for a, b in zip(model.get_weights(), twin.get_weights()):  # same gradients, same steps
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert len(model.evaluate(x, y, verbose=0)) == 5
    priority, department = model.predict(x, verbose=0)
    np.testing.assert_allclose(department, twin.predict(x, verbose=0)[1], rtol=1e-5)


def test_a_subclassed_model_takes_a_list_of_inputs():
    class TwoInputs(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, inputs):
            a, b = inputs
            return self.dense(a * b)

    rng = np.random.default_rng(1)
    a, b = rng.random((16, 3)), rng.random((16, 3))
    model = TwoInputs()
    model.compile(optimizer="sgd", loss="mse")
    before = model.fit([a, b], a.sum(1), epochs=1, verbose=0).history["loss"][0]
    model.fit([a, b], a.sum(1), epochs=20, verbose=0)
    assert model.evaluate([a, b], a.sum(1), verbose=0) < before
    assert model.predict([a, b], verbose=0).shape == (16, 1)


def test_a_subclassed_models_gradient_through_two_inputs_matches_central_differences(float64):
    from test_gradients import assert_grad_close, numerical_grad

    class Bilinear(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2, activation="tanh")

        def call(self, inputs):
            return self.dense(inputs["u"]) * inputs["v"]

    rng = np.random.default_rng(2)
    x = {"u": rng.normal(size=(3, 4)), "v": rng.normal(size=(3, 2))}
    model = Bilinear()
    model.predict(x, verbose=0)
    dy = rng.normal(size=(3, 2))
    y = model.forward([x["u"], x["v"]], training=True)
    model.need_input_grad = True
    du, dv = model.backward(dy)
    f = lambda: float(np.sum(dy * model.forward([x["u"], x["v"]])))  # noqa: E731
    assert_grad_close(du, numerical_grad(f, x["u"]))
    assert_grad_close(dv, numerical_grad(f, x["v"]))
    assert y.shape == (3, 2)


def test_keras3_one_hot_takes_num_classes():  # dlwp3 ch07's custom metric
    y = keras.ops.one_hot(np.array([2, 0]), num_classes=3)
    np.testing.assert_array_equal(y.numpy(), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(tf.one_hot([1], 2).numpy(), [[0, 1]])


def test_keras3_optimizer_apply_equals_apply_gradients():  # dlwp3 ch07's training loop
    a, b = tf.Variable([1.0, 2.0]), tf.Variable([1.0, 2.0])
    opt_a, opt_b = keras.optimizers.Adam(0.1), keras.optimizers.Adam(0.1)
    for _ in range(3):
        opt_a.apply([tf.constant([0.5, -1.0])], [a])
        opt_b.apply_gradients([(tf.constant([0.5, -1.0]), b)])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.numpy()[0] < 1.0 < 2.0 < a.numpy()[1]
    with pytest.raises(ValueError, match="1 gradients for 2 variables"):
        opt_a.apply([tf.constant([0.5, -1.0])], [a, b])


def test_keras3_ops_array_makes_a_tensor():  # dlwp3 ch07's metrics cells
    from glassnet.keras import ops

    t = ops.array([[1, 0], [0, 1]])
    assert isinstance(t, tf.Tensor) and t.dtype == np.int32
    assert ops.array([1.0], dtype="float64").dtype == np.float64


@pytest.mark.parametrize("make", [keras.metrics.SparseCategoricalAccuracy, keras.metrics.Precision,
                                  keras.metrics.AUC])
def test_keras3_stateless_metric_api(make):  # dlwp3 ch07 cell 84
    metric = make()
    if make is keras.metrics.SparseCategoricalAccuracy:
        y, p = np.array([0, 1, 2]), np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0.0]])
    else:
        y, p = np.array([1, 0, 1, 1.0]), np.array([0.9, 0.8, 0.3, 0.7])
    state = metric.variables
    state = metric.stateless_update_state(state, y, p)
    state = metric.stateless_update_state(state, y, p)
    stateless = float(metric.stateless_result(state))
    assert float(metric.result()) == 0.0  # the metric itself did not change
    metric.update_state(y, p)
    metric.update_state(y, p)
    assert stateless == pytest.approx(float(metric.result()))
    fresh = metric.stateless_reset_state()
    assert float(metric.stateless_result(fresh)) == 0.0
    assert float(metric.result()) == pytest.approx(stateless)


# -- keras.io "Customizing what happens in fit": a GAN with only train_step ------------------
class _GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    def train_step(self, real):
        if isinstance(real, tuple):
            real = real[0]
        n = tf.shape(real)[0]
        fake = self.generator(tf.random.normal(shape=(n, self.latent_dim)))
        images = tf.concat([fake, real], axis=0)
        labels = tf.concat([tf.ones((n, 1)), tf.zeros((n, 1))], axis=0)
        with tf.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(images))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        with tf.GradientTape() as tape:
            z = tf.random.normal(shape=(n, self.latent_dim))
            g_loss = self.loss_fn(tf.zeros((n, 1)), self.discriminator(self.generator(z)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        return {"d_loss": d_loss, "g_loss": g_loss}


def test_fit_a_model_that_has_only_train_step_and_sub_models():
    tf.random.set_seed(0)
    disc = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(4, activation="relu"),
                             keras.layers.Dense(1)], name="discriminator")
    gen = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(6)], name="generator")
    gan = _GAN(disc, gen, latent_dim=3)
    gan.compile(d_optimizer=keras.optimizers.Adam(0.01), g_optimizer=keras.optimizers.Adam(0.01),
                loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    assert len(gan.trainable_weights) == 6 and gan.layers == [disc, gen]
    before = [w.copy() for w in gen.get_weights() + disc.get_weights()]
    real = np.random.default_rng(0).random((40, 6)).astype(np.float32)
    dataset = tf.data.Dataset.from_tensor_slices(real).shuffle(64).batch(8)
    history = gan.fit(dataset.take(4), epochs=2, verbose=0)
    assert sorted(history.history) == ["d_loss", "g_loss"] and len(history.history["d_loss"]) == 2
    after = gen.get_weights() + disc.get_weights()
    assert all(not np.array_equal(a, b) for a, b in zip(before, after))
    gan.fit(real, batch_size=8, epochs=1, verbose=0)  # arrays too, without y


# -- keras.io "Save, serialize, and export": your own Model subclass in a file ---------------
class SavedCustomModel(keras.Model):
    def __init__(self, hidden_units, **kwargs):
        super().__init__(**kwargs)
        self.hidden_units = hidden_units
        self.dense_layers = [keras.layers.Dense(u) for u in hidden_units]

    def call(self, inputs):
        x = inputs
        for layer in self.dense_layers:
            x = layer(x)
        return x

    def get_config(self):
        return {"hidden_units": self.hidden_units}


def test_a_subclassed_model_saves_and_loads_with_custom_objects(tmp_path):
    model = SavedCustomModel([4, 3])
    x = np.random.default_rng(0).random((2, 5)).astype(np.float32)
    y = model(x).numpy()
    with pytest.raises(NotImplementedError, match=r"model.save\('model.glassnet'\)"):
        model.save(tmp_path / "m.keras")  # Keras's format: not for subclassed models yet
    for path in (tmp_path / "m.glassnet", tmp_path / "m"):
        model.save(path)
        loaded = keras.models.load_model(path, custom_objects={"SavedCustomModel":
                                                               SavedCustomModel})
        assert type(loaded) is SavedCustomModel
        np.testing.assert_allclose(loaded(x).numpy(), y, rtol=1e-6)


def test_loading_an_unnamed_class_of_your_own_names_the_fix(tmp_path):
    class Gone(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self):
            return {}

    model = Gone()
    model(np.ones((1, 3), np.float32))
    model.save(tmp_path / "gone.glassnet")
    with pytest.raises(Exception, match=r"your own class .*Gone.*custom_objects=\{'Gone': Gone\}"):
        keras.models.load_model(tmp_path / "gone.glassnet")
    loaded = keras.models.load_model(tmp_path / "gone.glassnet", custom_objects={"Gone": Gone})
    np.testing.assert_allclose(loaded(np.ones((1, 3))).numpy(), model(np.ones((1, 3))).numpy())


def test_registered_class_and_several_inputs_round_trip(tmp_path, monkeypatch):
    from glassnet import serialization

    monkeypatch.setattr(serialization, "LAYERS", dict(serialization.LAYERS))  # forgotten after

    @keras.utils.register_keras_serializable(package="longtail")
    class Registered(_TicketModel):
        def get_config(self):
            return {}

    x, y = _ticket_data()
    model = Registered()
    model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "ticket.glassnet")
    loaded = keras.models.load_model(tmp_path / "ticket.glassnet")
    for a, b in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(a, b, rtol=1e-6)


# -- zh_czy_001 and keras.io: a plain function as activation ----------------------------------
def test_known_functions_map_to_the_built_in_activations():
    from glassnet import activations

    for fn, name in ((tf.sigmoid, "sigmoid"), (tf.nn.relu, "relu"), (tf.nn.tanh, "tanh"),
                     (tf.nn.softmax, "softmax"), (keras.ops.relu, "relu")):
        assert keras.layers.Dense(2, activation=fn).activation is activations.get(name)


def _tanh_squared(x):
    return tf.nn.tanh(x) ** 2


@pytest.mark.parametrize("fn", [_tanh_squared, lambda x: x * tf.sigmoid(2.0 * x) + 0.1 * x])
def test_a_function_of_ops_as_activation_matches_central_differences(fn, float64):
    from test_gradients import assert_grad_close, numerical_grad

    from glassnet import activations

    act = activations.get(fn)
    rng = np.random.default_rng(3)
    z, da = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    a = act.forward(z)
    assert a.dtype == np.float64
    dz = act.backward(z, a, da)
    assert_grad_close(dz, numerical_grad(lambda: float(np.sum(da * act.forward(z))), z))

    layer = keras.layers.Dense(3, activation=fn)  # the whole layer, weights included
    x = rng.normal(size=(4, 5))
    dy = rng.normal(size=(4, 3))
    layer.build((5,))
    layer.forward(x)
    layer.need_input_grad = True
    dx = layer.backward(dy)
    dW = layer.grads["kernel"].copy()
    f = lambda: float(np.sum(dy * layer.forward(x)))  # noqa: E731
    assert_grad_close(dx, numerical_grad(f, x))
    assert_grad_close(dW, numerical_grad(f, layer.params["kernel"]))


def test_a_model_with_a_function_activation_trains_and_saves_by_name(tmp_path):
    rng = np.random.default_rng(4)
    x, y = rng.random((64, 4)), rng.integers(0, 2, 64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation=_tanh_squared),
                              keras.layers.Activation(_tanh_squared),
                              keras.layers.Dense(2, activation=tf.nn.softmax)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    first = model.fit(x, y, epochs=1, verbose=0).history["loss"][0]
    assert model.fit(x, y, epochs=30, verbose=0).history["loss"][-1] < first
    model.save(tmp_path / "m.glassnet")
    with pytest.raises(Exception, match="_tanh_squared"):
        keras.models.load_model(tmp_path / "m.glassnet")
    loaded = keras.models.load_model(tmp_path / "m.glassnet",
                                     custom_objects={"_tanh_squared": _tanh_squared})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    with keras.utils.custom_object_scope({"_tanh_squared": _tanh_squared}):
        again = keras.Sequential.from_config(model.get_config())
    assert again.layers[0].activation.fn is _tanh_squared
    with pytest.raises(ValueError, match="lambda has no name"):
        keras.layers.Dense(2, activation=lambda x: x).get_config()


# -- zh_czy_001/006: evaluate(..., steps=) and predict(..., steps=) --------------------------
def test_evaluate_and_predict_take_steps():
    rng = np.random.default_rng(5)
    x, y = rng.random((100, 3)), rng.random((100, 1))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert model.evaluate(x, y, batch_size=10, steps=3, verbose=0) == pytest.approx(
        model.evaluate(x[:30], y[:30], verbose=0), rel=1e-6)
    assert model.predict(x, batch_size=8, steps=2, verbose=0).shape == (16, 1)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).repeat()
    assert model.evaluate(dataset, steps=2, verbose=0) == pytest.approx(
        model.evaluate(x[:64], y[:64], verbose=0), rel=1e-6)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        model.evaluate(x, y, steps=0, verbose=0)


# -- zh_czy_001: tf.TensorShape in compute_output_shape; tf.zeros(1, 1) --------------------
def test_tensor_shape_as_tensorflow_has_it():
    shape = tf.TensorShape((None, 32))
    assert shape.as_list() == [None, 32] and shape.rank == 2 and not shape.is_fully_defined()
    assert tf.TensorShape([4, 5])[1:] == (5,) and tf.TensorShape([4, 5]).num_elements() == 20

    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3)

        def call(self, inputs):
            return self.dense(inputs)

        def compute_output_shape(self, input_shape):
            shape = tf.TensorShape(input_shape).as_list()
            shape[-1] = 3
            return tf.TensorShape(shape)

    model = MyModel()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((8, 2)), np.ones((8, 3)), verbose=0)
    assert model.predict(np.ones((2, 2)), verbose=0).shape == (2, 3)


def test_tensorflow_dtype_codes_are_dtypes():
    assert tf.zeros(1, 1).dtype == np.float32  # tf.zeros(shape, dtype) with DT_FLOAT = 1
    assert tf.ones((2,), 3).dtype == np.int32 and tf.cast([1.5], 2).dtype == np.float64
    with pytest.raises(TypeError, match="is not a dtype"):
        tf.zeros(1, 99)


# -- zh_czy_003: a loss function sees y_true as Keras 2 gives it ------------------------------
def test_a_loss_function_gets_labels_expanded_to_a_column_as_in_keras2():
    seen = {}

    def basic_loss_function(y_true, y_pred):
        seen["shape"], seen["dtype"] = y_true.shape, y_true.dtype
        return tf.math.reduce_mean(y_true - y_pred)

    rng = np.random.default_rng(6)
    x, y = rng.random((32, 4)).astype(np.float32), rng.integers(0, 3, 32).astype(np.float64)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=basic_loss_function)
    history = model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert seen["shape"] == (16, 1) and seen["dtype"] == np.float32
    p = model.predict(x, verbose=0)  # the loss is mean(y - p) over the (batch, 3) broadcast
    assert model.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(
        float(np.mean(y[:, None] - p)), abs=1e-5)
    assert np.isfinite(history.history["loss"][0])


def test_keras2_reduction_names_and_a_loss_subclass_with_column_labels():
    with pytest.warns(UserWarning, match="reduction='sum_over_batch_size'"):
        auto = keras.losses.Reduction.AUTO

    class WeightedBCE(keras.losses.Loss):  # zh_czy_003's WeightBinaryCrossEntropy, short
        def __init__(self, reduction=auto, name="weighted_bce"):
            super().__init__(reduction=reduction, name=name)

        def call(self, y_true, y_pred):
            return y_true * -tf.math.log(y_pred + 1e-6) + (1 - y_true) * -tf.math.log(
                1 - y_pred + 1e-6)

    rng = np.random.default_rng(7)
    x, y = rng.random((32, 4)).astype(np.float32), rng.integers(0, 3, 32).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=WeightedBCE())
    assert np.isfinite(model.fit(x, y, epochs=1, verbose=0).history["loss"][0])


def test_a_compiled_metric_of_your_own_gets_labels_as_keras2_gives_them():
    seen = []

    class Shapes(keras.metrics.Metric):
        def __init__(self, name="shapes", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            seen.append(np.shape(y_true))
            self.total.assign_add(tf.reduce_sum(tf.cast(y_true, tf.float32)))

        def result(self):
            return tf.identity(self.total)

    x, y = np.ones((8, 2), np.float32), np.arange(8) % 3
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=[Shapes(), "accuracy"])
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert seen == [(8, 1)] and history.history["shapes"] == [float(y.sum())]
    assert 0.0 <= history.history["accuracy"][0] <= 1.0  # built-in metrics: labels as they are


# -- guide_train_and_evaluate, zh_czy_003: add_metric in a layer's call; keras.backend.std ---
class _MetricLoggingLayer(keras.layers.Layer):
    def call(self, inputs):
        self.add_metric(keras.backend.std(inputs), name="std_of_activation", aggregation="mean")
        return inputs


def test_add_metric_in_a_layer_is_logged_in_history_under_its_name(monkeypatch):
    from glassnet import legacy

    monkeypatch.setattr(legacy, "_WARNED", set())  # one warning per process: see it here
    rng = np.random.default_rng(8)
    x, y = rng.random((40, 6)).astype(np.float32), rng.integers(0, 3, 40)
    inputs = keras.Input(shape=(6,))
    with pytest.warns(UserWarning, match="Layer.add_metric is Keras 2's"):
        h = _MetricLoggingLayer()(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h))
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=20, epochs=2, shuffle=False, verbose=0,
                        validation_data=(x[:20], y[:20]))
    expected = np.mean([x[:20].std(), x[20:].std()])  # the mean of the two batches' values
    assert history.history["std_of_activation"] == pytest.approx([expected] * 2, rel=1e-5)
    assert history.history["val_std_of_activation"] == pytest.approx([x[:20].std()] * 2,
                                                                     rel=1e-5)
    logs = model.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    assert logs["std_of_activation"] == pytest.approx(x.std(), rel=1e-5)
    model.add_metric(h, name="symbolic")  # on a symbolic tensor: an AddMetric node
    logs = model.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    assert logs["symbolic"] == pytest.approx(x.mean(), rel=1e-5)  # h is the input itself


def test_keras2_backend_math_warns_once_and_computes_with_ops(monkeypatch):
    from glassnet import legacy

    monkeypatch.setattr(legacy, "_WARNED", set())
    x = np.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="keras.ops.std"):
        assert float(keras.backend.std(x)) == pytest.approx(x.std())
    assert keras.backend.argmax(x).numpy().tolist() == [2, 2]  # K.argmax: axis=-1
    assert keras.backend.int_shape(x) == (2, 3)
    np.testing.assert_allclose(keras.backend.mean(x, axis=0).numpy(), [1.5, 2.5, 3.5])


# -- tf_save_and_load: tf.saved_model and Keras 2's model.save("folder") -------------------
def test_saved_model_folders_hold_a_glassnet_file(tmp_path):
    import os

    rng = np.random.default_rng(9)
    x, y = rng.random((16, 3)), rng.integers(0, 2, 16)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    tf.saved_model.save(model, tmp_path / "saved_model" / "my_model")
    assert os.listdir(tmp_path / "saved_model" / "my_model") == ["model.glassnet"]
    restored = tf.saved_model.load(tmp_path / "saved_model" / "my_model")
    np.testing.assert_allclose(restored(x).numpy(), model(x).numpy())
    model.save(tmp_path / "my_model")  # Keras 2: a name without extension is a folder
    assert (tmp_path / "my_model" / "model.glassnet").is_file()
    loaded = keras.models.load_model(tmp_path / "my_model")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    (tmp_path / "tf_folder").mkdir()
    (tmp_path / "tf_folder" / "saved_model.pb").write_bytes(b"\x08\x01")
    with pytest.raises(Exception, match="TensorFlow's SavedModel folder"):
        keras.models.load_model(tmp_path / "tf_folder")


def test_keras2_save_format_tf_writes_the_folder_and_tf_square_keeps_integers(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.save(tmp_path / "save_model", save_format="tf")  # zh_czy_005
    x = np.ones((1, 3))
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "save_model").predict(
        x, verbose=0), model.predict(x, verbose=0))
    v = tf.Variable(2)  # zh_czy 020-004
    v.assign_add(tf.square(3))
    assert v.numpy() == 11 and v.dtype == np.int32


def test_tf_config_reports_the_cpu_only():  # the TensorFlow tutorials' first cell
    assert tf.config.list_physical_devices("GPU") == []
    assert [d.device_type for d in tf.config.list_physical_devices()] == ["CPU"]
    tf.config.experimental.set_memory_growth(None, True)  # accepted, changes nothing


def test_load_weights_into_a_subclassed_model_before_its_first_call(tmp_path):  # zh_czy_005
    x = np.random.default_rng(10).random((4, 5)).astype(np.float32)
    model = SavedCustomModel([3, 2])
    y = model(x).numpy()
    model.save_weights(tmp_path / "my_model_weights", save_format="tf")
    fresh = SavedCustomModel([3, 2])
    fresh.load_weights(tmp_path / "my_model_weights")  # not built yet: read at the build
    np.testing.assert_allclose(fresh.predict(x, verbose=0), y, rtol=1e-6)
    with pytest.raises(FileNotFoundError):
        SavedCustomModel([3, 2]).load_weights(tmp_path / "missing")
    wrong = SavedCustomModel([4, 2])
    wrong.load_weights(tmp_path / "my_model_weights")
    with pytest.raises(Exception, match="shape"):
        wrong(x)


def test_tf_module_collects_variables_of_attributes_and_submodules():  # TF's guides
    class Linear(tf.Module):
        def __init__(self):
            super().__init__()
            self.w, self.b = tf.Variable(5.0), tf.Variable(0.0)
            self.count = tf.Variable(0, trainable=False)

        def __call__(self, x):
            return self.w * x + self.b

    class Outer(tf.Module):
        def __init__(self):
            super().__init__(name="outer")
            self.inner, self.extra = Linear(), [tf.Variable(1.0)]

    outer = Outer()
    assert len(outer.variables) == 4 and len(outer.trainable_variables) == 3
    assert outer.name == "outer" and [type(m).__name__ for m in outer.submodules] == ["Linear"]
    with tf.GradientTape() as tape:  # trainable variables are watched, as in TensorFlow
        y = outer.inner(tf.constant(2.0))
    dw, db = tape.gradient(y, [outer.inner.w, outer.inner.b])
    assert float(dw) == 2.0 and float(db) == 1.0


# -- guide_subclassing: layer.losses holds the sub-layers' add_loss values too ---------------
class _ActivityRegularization(keras.layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * tf.reduce_sum(inputs))
        return inputs


class _Outer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.activity_reg = _ActivityRegularization(1e-2)

    def call(self, inputs):
        return self.activity_reg(inputs)


def test_layer_losses_include_sub_layers_and_training_counts_them_once():
    layer = _Outer()
    assert layer.losses == []
    layer(tf.ones((2, 3)))
    assert layer.losses == pytest.approx([0.06])
    layer(tf.ones((2, 3)))
    assert len(layer.losses) == 1  # reset at each call
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32)
    model = keras.Sequential([keras.Input((3,)), _Outer(), keras.layers.Dense(1, use_bias=False,
                                                                             kernel_initializer="zeros")])
    model.compile(optimizer="sgd", loss="mse")
    # mse is 0 with zero weights; the penalty is 0.01 · Σ x over the batch of 4, once
    assert model.evaluate(x, y, batch_size=4, verbose=0) == pytest.approx(0.12, rel=1e-5)
    assert model.losses == pytest.approx([0.12])


def test_keras2_random_normal_and_add_variable(monkeypatch):
    """K.random_normal in a VAE's sampling layer, and Layer.add_variable (Keras 2's names;
    zh_czy_004_write_layers, zh_czy_020_002_custom_layers)."""
    from glassnet import legacy

    monkeypatch.setattr(legacy, "_WARNED", set())
    with pytest.warns(UserWarning, match="keras.random.normal"):
        eps = keras.backend.random_normal(shape=(3, 2))
    assert np.asarray(eps).shape == (3, 2)

    class MyDense(keras.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_variable("kernel", shape=(int(input_shape[-1]), 2))

        def call(self, x):
            return tf.matmul(x, self.kernel)

    with pytest.warns(UserWarning, match="Layer.add_weight"):
        layer = MyDense()
        out = layer(np.ones((4, 3), "float32"))
    assert np.asarray(out).shape == (4, 2) and len(layer.trainable_weights) == 1
