"""Models written by subclassing ``keras.Model``, custom ``train_step``s, and models on a
``GradientTape``: the TensorFlow quickstarts and the keras.io guide "Customizing what
happens in fit", each checked against ``fit`` on the same start."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf
from glassnet import layers


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 6)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(int) + (x[:, 2] > 1)


class TwoLayers(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = layers.Dense(8, activation="relu")
        self.d2 = layers.Dense(3)

    def call(self, x):
        return self.d2(self.d1(x))


def test_beginner_quickstart_calls():
    """``model(x).numpy()``, ``tf.nn.softmax`` and a loss object called on tensors."""
    x, y = data()
    model = tf.keras.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                                 layers.Dense(3)])
    predictions = model(x[:1]).numpy()
    assert predictions.shape == (1, 3)
    p = tf.nn.softmax(predictions).numpy()
    np.testing.assert_allclose(p.sum(), 1, rtol=1e-6)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert loss_fn(y[:1], predictions).numpy() == pytest.approx(-np.log(p[0, y[0]]), rel=1e-5)


def test_tape_loop_equals_fit_on_a_subclassed_model():
    """The experts quickstart's loop (tape, apply_gradients) and fit take the same steps."""
    x, y = data()
    runs = []
    for use_fit in (False, True):
        tf.utils.set_random_seed(3)
        model = TwoLayers()
        model(x[:1])  # build
        loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        optimizer = tf.keras.optimizers.Adam(0.01)
        if use_fit:
            model.compile(optimizer=optimizer, loss=loss_fn)
            model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        else:
            for _ in range(2):
                for i in range(0, len(x), 32):
                    with tf.GradientTape() as tape:
                        loss = loss_fn(y[i:i + 32], model(x[i:i + 32], training=True))
                    grads = tape.gradient(loss, model.trainable_variables)
                    optimizer.apply_gradients(zip(grads, model.trainable_variables))
        runs.append(model.get_weights())
    assert len(runs[0]) == 4
    for a, b in zip(*runs):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_subclassed_model_summary_layers_and_variables():
    model = TwoLayers()
    model.build((None, 6))
    assert [type(la).__name__ for la in model.layers] == ["Dense", "Dense"]
    assert model.count_params() == 6 * 8 + 8 + 8 * 3 + 3
    assert [v.shape for v in model.trainable_variables] == [(6, 8), (8,), (8, 3), (3,)]
    lines = []
    model.summary(print_fn=lines.append)
    assert "dense" in lines[0] or "Total params: 107" in "\n".join(lines)


class CustomFit(tf.keras.Model):
    """keras.io, "Customizing what happens in fit" (Keras 3 form)."""

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_variables))
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def test_custom_train_step_trains_like_fit():
    x, y = data()
    target = x[:, :1] * 2.0
    histories, weights = [], []
    for cls in (CustomFit, tf.keras.Model):
        tf.utils.set_random_seed(4)
        inputs = tf.keras.Input(shape=(6,))
        model = cls(inputs, layers.Dense(1)(inputs))
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        histories.append(model.fit(x, target, batch_size=16, epochs=2, shuffle=False,
                                   verbose=0).history)
        weights.append(model.get_weights())
    assert set(histories[0]) == {"loss", "mae"}
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(histories[0]["mae"], histories[1]["mae"], rtol=1e-4)


def test_keras2_custom_train_step_spelling():
    class Old(tf.keras.Model):
        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.compiled_metrics.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    x, y = data()
    inputs = tf.keras.Input(shape=(6,))
    model = Old(inputs, layers.Dense(3, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert 0 <= history.history["accuracy"][-1] <= 1


def test_tape_through_a_functional_model_matches_backward(float64):
    """A graph model called on a watched tensor is one op: dL/dx from the tape equals
    central differences."""
    tf.utils.set_random_seed(5)
    inputs = tf.keras.Input(shape=(4,))
    h = layers.Dense(5, activation="tanh")(inputs)
    out = layers.Dense(1)(layers.add([h, layers.Dense(5, activation="tanh")(h)]))
    model = tf.keras.Model(inputs, out)
    x = np.random.default_rng(5).standard_normal((3, 4))
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf.square(model(xt)))
    dx = tape.gradient(loss, xt).numpy()
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        for sign in (1, -1):
            xp = x.copy()
            xp[i] += sign * 1e-6
            numeric[i] += sign * float((model.predict(xp, verbose=0) ** 2).sum()) / 2e-6
    np.testing.assert_allclose(dx, numeric, rtol=1e-5, atol=1e-8)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(xt))
    grads = tape.gradient(loss, model.trainable_variables)
    assert len(grads) == 6 and all(g is not None for g in grads)


def test_loss_function_loss_subclass_metric_subclass_and_add_loss():
    """keras.io "Training & evaluation with the built-in methods": custom losses, a Metric
    with add_weight, and a layer that calls add_loss."""

    def custom_mse(y_true, y_pred):
        return tf.math.reduce_mean(tf.square(y_true - y_pred), axis=-1)

    class CustomMSE(tf.keras.losses.Loss):
        def __init__(self, factor=0.1, name="custom_mse"):
            super().__init__(name=name)
            self.factor = factor

        def call(self, y_true, y_pred):
            mse = tf.math.reduce_mean(tf.square(y_true - y_pred))
            return mse + tf.math.reduce_mean(tf.square(0.5 - y_pred)) * self.factor

    class TruePositives(tf.keras.metrics.Metric):
        def __init__(self, name="tp", **kwargs):
            super().__init__(name=name, **kwargs)
            self.tp = self.add_weight(name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hit = tf.cast(tf.argmax(y_pred, axis=1) == tf.argmax(y_true, axis=1), "float32")
            self.tp.assign_add(tf.reduce_sum(hit))

        def result(self):
            return self.tp

        def reset_state(self):
            self.tp.assign(0.0)

    class Penalty(layers.Layer):
        def call(self, inputs):
            self.add_loss(tf.reduce_sum(inputs) * 0.1)
            return inputs

    x, labels = data()
    y = np.eye(3)[labels]
    for loss in (custom_mse, CustomMSE()):
        model = tf.keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(6,))])
        model.compile("sgd", loss=loss, metrics=[TruePositives()])
        h = model.fit(x, y, epochs=2, verbose=0).history
        assert h["loss"][1] < h["loss"][0] and h["tp"][1] <= len(x)
    # the gradient of a loss function of your own comes from the tape: check one entry
    a = np.random.default_rng(0).uniform(size=(4, 3))
    g = tf.losses.get(custom_mse).backward(y[:4], a)
    np.testing.assert_allclose(g, 2 * (a - y[:4]) / 12, rtol=1e-5)
    inputs = tf.keras.Input(shape=(6,))
    h = Penalty()(layers.Dense(4, activation="relu")(inputs))
    model = tf.keras.Model(inputs, layers.Dense(3)(h))
    model.compile("sgd", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    plain = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        labels, model.predict(x, verbose=0)).numpy()
    reported = model.evaluate(x, labels, verbose=0, batch_size=len(x))
    penalty = 0.1 * tf.keras.Model(inputs, h).predict(x, verbose=0).sum()
    assert penalty > 0
    assert reported == pytest.approx(plain + penalty, rel=1e-4)  # the add_loss term counts


def test_subclassed_model_saves_and_loads_with_custom_objects(tmp_path):
    """keras.io "Save, serialize, and export": get_config/from_config of your own, and the
    file records the input shape the model was built for, so its weights come back."""

    class CustomModel(tf.keras.Model):
        def __init__(self, hidden_units):
            super().__init__()
            self.hidden_units = hidden_units
            self.dense_layers = [layers.Dense(u) for u in hidden_units]

        def call(self, inputs):
            for layer in self.dense_layers:
                inputs = layer(inputs)
            return inputs

        def get_config(self):
            return {"hidden_units": self.hidden_units}

        @classmethod
        def from_config(cls, config):
            return cls(**config)

    model = CustomModel([16, 16, 10])
    x = np.random.default_rng(0).uniform(size=(3, 5)).astype(np.float32)
    model(x)  # builds it, as in the guide
    model.save(tmp_path / "my_model.glassnet")
    loaded = tf.keras.models.load_model(tmp_path / "my_model.glassnet",
                                        custom_objects={"CustomModel": CustomModel})
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_inspect_prints_a_tape(capsys):
    import glassnet.inspect

    w = tf.Variable([[0.5], [-1.0]])
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as t:
        loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    text = glassnet.inspect.tape(t)
    assert "ops recorded" in text and "matmul" in text.lower() and "square" in text.lower()
    assert text in capsys.readouterr().out
    np.testing.assert_allclose(t.gradient(loss, w).numpy(), [[-3.0], [-6.0]])


def test_variables_assigned_as_attributes_are_weights_and_train():
    """keras.io "Making new layers and models via subclassing", first example."""

    class Linear(layers.Layer):
        def __init__(self, units=4, input_dim=2):
            super().__init__()
            w_init = tf.random_normal_initializer()
            self.w = tf.Variable(initial_value=w_init(shape=(input_dim, units),
                                                      dtype="float32"), trainable=True)
            self.b = tf.Variable(initial_value=tf.zeros_initializer()(shape=(units,),
                                                                      dtype="float32"),
                                 trainable=True)

        def call(self, inputs):
            return tf.matmul(inputs, self.w) + self.b

    layer = Linear(4, 2)
    assert layer.weights == [layer.w, layer.b]
    y = layer(tf.ones((2, 2)))
    np.testing.assert_allclose(y.numpy(), np.ones((2, 2)) @ layer.w.numpy(), rtol=1e-6)
    model = tf.keras.Sequential([tf.keras.Input(shape=(2,)), layer])
    model.compile("sgd", "mse")
    before = layer.w.numpy().copy()
    model.fit(np.ones((8, 2)), np.zeros((8, 4)), verbose=0)
    assert not np.array_equal(before, layer.w.numpy())  # the tape's gradient reached it
