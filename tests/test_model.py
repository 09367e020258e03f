"""Sequential: building, compile, fit/evaluate/predict, progress output, weights, saving,
seeds, and the Keras spellings (``import glassnet as keras`` / ``as tf``)."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

import glassnet
from glassnet import layers

KERAS_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)"""


def tutorial_model():
    return glassnet.Sequential([
        layers.Flatten(input_shape=(28, 28)),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


@pytest.fixture
def blobs():
    """320 samples of 8 features in 3 well-separated classes: learnable in a few epochs."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (3, 8))
    y = rng.integers(0, 3, 320)
    x = (centres[y] + rng.normal(0, 1, (320, 8))).astype(np.float32)
    return x, y


def small_model(n_in: int = 8, seed: int = 0, **compile_kwargs):
    glassnet.utils.set_random_seed(seed)
    model = glassnet.Sequential([layers.Input(shape=(n_in,)),
                                 layers.Dense(16, activation="relu"),
                                 layers.Dense(3, activation="softmax")])
    model.compile(**{"optimizer": "adam", "loss": "sparse_categorical_crossentropy",
                     "metrics": ["accuracy"], **compile_kwargs})
    return model


# ------------------------------------------------------------------------------ building
def test_list_and_add_build_the_same_model(blobs):
    x, y = blobs
    a = glassnet.Sequential([layers.Dense(16, activation="relu"), layers.Dense(3)])
    b = glassnet.Sequential()
    b.add(layers.Dense(16, activation="relu"))
    b.add(layers.Dense(3))
    assert not a.built and not b.built and a.weights == [] == b.weights
    glassnet.utils.set_random_seed(1)  # weights are drawn at the first batch
    out_a = a.predict(x, verbose=0)
    glassnet.utils.set_random_seed(1)
    np.testing.assert_array_equal(out_a, b.predict(x, verbose=0))
    assert [type(layer) for layer in a.layers] == [type(layer) for layer in b.layers]


def test_input_builds_at_once_and_is_not_a_layer():
    model = glassnet.Sequential([glassnet.Input(shape=(28, 28)), layers.Flatten(),
                                 layers.Dense(10)])
    assert model.built and len(model.layers) == 2
    assert model.input_shape == (None, 28, 28) and model.output_shape == (None, 10)
    assert [w.shape for w in model.weights] == [(784, 10), (10,)]
    added = glassnet.Sequential()
    added.add(glassnet.keras.Input(shape=(5,)))
    added.add(layers.Dense(2))
    assert added.built and added.count_params() == 12


def test_lazy_build_from_the_first_batch(blobs):
    x, y = blobs
    model = glassnet.Sequential([layers.Dense(4), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert not model.built and model.layers[0].params == {}
    model.fit(x, y, epochs=1, verbose=0)
    assert model.built and model.input_shape == (None, 8)
    assert [w.shape for w in model.weights] == [(8, 4), (4,), (4, 3), (3,)]


def test_input_shape_on_first_layer_builds_at_once():
    model = tutorial_model()
    assert model.built and model.count_params() == 101_770
    model = glassnet.Sequential([layers.Dense(3, input_dim=5)])
    assert model.built and model.input_shape == (None, 5)


def test_explicit_build_with_keras_style_shape():
    model = glassnet.Sequential([layers.Dense(3)])
    model.build((None, 7))
    assert model.built and model.weights[0].shape == (7, 3)


def test_summary_is_keras_table_for_the_tutorial_model():
    glassnet.backend.clear_session()
    model = tutorial_model()
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "101,770" in text
    assert text == KERAS_SUMMARY


def test_layers_weights_and_trainable_weights():
    model = tutorial_model()
    assert [type(layer).__name__ for layer in model.layers] == ["Flatten", "Dense", "Dense"]
    assert [w.shape for w in model.trainable_weights] == [(784, 128), (128,), (128, 10), (10,)]
    assert model.non_trainable_weights == []
    assert all(w.dtype == np.float32 for w in model.weights)
    assert model.get_layer(model.layers[1].name) is model.layers[1]
    # Keras's initialisation: glorot_uniform kernels, zero biases
    W = model.layers[1].W
    limit = np.sqrt(6 / (784 + 128))
    assert np.abs(W).max() <= limit and np.abs(W).max() > 0.95 * limit
    assert abs(W.std() - limit / np.sqrt(3)) < 0.01 * limit
    assert np.all(model.layers[1].b == 0)


def test_get_weights_set_weights_round_trip(blobs):
    x, y = blobs
    model = small_model()
    weights = model.get_weights()
    before = model.predict(x, verbose=0)
    # get_weights returns copies
    weights[0][...] = 0
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    other = small_model(seed=99)
    assert not np.array_equal(other.predict(x, verbose=0), before)
    other.bind()  # the weights as views of the flat vector θ, as fit does
    other.set_weights(small_model().get_weights())
    np.testing.assert_array_equal(other.predict(x, verbose=0), before)
    # set_weights writes in place: the flat parameter vector still holds the weights
    for layer in other.layers:
        for p in layer.params.values():
            assert np.shares_memory(p, other.parameters.theta)
    other.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(other.predict(x, verbose=0), before)  # training still works
    with pytest.raises(ValueError):
        other.set_weights(other.get_weights()[:2])
    with pytest.raises(ValueError):
        other.set_weights([w.T for w in other.get_weights()])


# ------------------------------------------------------------------------------ compile
@pytest.mark.parametrize("loss, y_kind, cls", [
    ("sparse_categorical_crossentropy", "sparse", "SparseCategoricalAccuracy"),
    ("categorical_crossentropy", "onehot", "CategoricalAccuracy"),
    ("binary_crossentropy", "binary", "BinaryAccuracy"),
])
def test_accuracy_is_resolved_from_the_loss(loss, y_kind, cls, blobs):
    x, labels = blobs
    units = 1 if y_kind == "binary" else 3
    activation = "sigmoid" if y_kind == "binary" else "softmax"
    y = {"sparse": labels, "onehot": glassnet.utils.to_categorical(labels, 3),
         "binary": (labels == 0).astype(np.float32)}[y_kind]
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([layers.Dense(16, activation="relu"),
                                 layers.Dense(units, activation=activation)])
    model.compile(optimizer=glassnet.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"])
    history = model.fit(x, y, epochs=5, verbose=0)
    assert type(model.metrics[0]).__name__ == cls
    assert model.metrics[0].name == "accuracy"
    loss_value, accuracy = model.evaluate(x, y, verbose=0)
    p = model.predict(x, verbose=0)
    expected = np.mean((p[:, 0] > 0.5) == y) if y_kind == "binary" else \
        np.mean(p.argmax(1) == labels)
    assert accuracy == pytest.approx(expected)
    assert accuracy > 0.9 and history.history["accuracy"][-1] > 0.8


def test_compile_options(blobs):
    x, y = blobs
    model = small_model(loss=glassnet.losses.SparseCategoricalCrossentropy(),
                        optimizer=glassnet.optimizers.SGD(0.1), metrics="acc")
    assert isinstance(model.optimizer, glassnet.optimizers.SGD)
    assert list(model.fit(x, y, verbose=0).history) == ["acc", "loss"]
    regression = glassnet.Sequential([layers.Dense(2)])
    regression.compile(optimizer="sgd", loss="mse", metrics=["mae", "mse"])
    target = x[:, :2] * 2
    history = regression.fit(x, target, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mae", "mse"}
    p = regression.predict(x, verbose=0)
    mae, mse = regression.evaluate(x, target, verbose=0)[1:]
    assert mae == pytest.approx(np.abs(p - target).mean(), rel=1e-5)
    assert mse == pytest.approx(np.square(p - target).mean(), rel=1e-5)
    with pytest.raises(ValueError, match="loss"):
        model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropie")
    with pytest.raises(ValueError, match="accuracy"):
        model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])


def test_fit_before_compile_says_so(blobs):
    model = glassnet.Sequential([layers.Dense(3)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(*blobs, verbose=0)


# ------------------------------------------------------------------------------ fit & co
def test_history_keys_with_validation_split(blobs):
    x, y = blobs
    history = small_model().fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 2 for v in history.history.values())
    assert history.epoch == [0, 1]


def test_validation_split_takes_the_last_samples_before_shuffling(blobs):
    x, y = blobs
    model = small_model()
    history = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    val = model.evaluate(x[240:], y[240:], verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(val["loss"], rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(val["accuracy"])


def test_history_keys_with_validation_data(blobs):
    x, y = blobs
    model = small_model()
    history = model.fit(x[:200], y[:200], epochs=3, validation_data=(x[200:], y[200:]),
                        verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert model.history is history
    val = model.evaluate(x[200:], y[200:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(val[0], rel=1e-6)
    assert history.history["loss"][0] > history.history["loss"][-1]


def test_epoch_loss_is_the_mean_of_the_batch_losses(blobs):
    """Keras's epoch ``loss`` is the running mean over the epoch's batches (sample-weighted)."""
    x, y = blobs
    model = small_model()
    reference = small_model()
    losses = [reference.train_on_batch(x[i:i + 32], y[i:i + 32]) for i in range(0, 320, 32)]
    history = model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(np.mean(losses), rel=1e-6)
    np.testing.assert_array_equal(model.parameters.theta, reference.parameters.theta)


def test_evaluate_returns_list_scalar_and_dict(blobs):
    x, y = blobs
    model = small_model()
    model.fit(x, y, epochs=2, verbose=0)
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss"]
    assert result == [as_dict["loss"], as_dict["accuracy"]]
    p = model.predict(x, verbose=0).astype(np.float64)
    expected_loss = -np.mean(np.log(p[np.arange(len(y)), y]))
    assert result[0] == pytest.approx(expected_loss, rel=1e-4)
    assert result[1] == pytest.approx(np.mean(p.argmax(1) == y))
    # batch size does not change the result (beyond float32 rounding)
    assert model.evaluate(x, y, batch_size=7, verbose=0)[0] == pytest.approx(result[0], 1e-5)
    no_metrics = small_model(metrics=None)
    assert isinstance(no_metrics.evaluate(x, y, verbose=0), float)


def test_predict_shapes_and_batches(blobs):
    x, _ = blobs
    model = small_model()
    full = model.predict(x, verbose=0)
    assert full.shape == (320, 3) and full.dtype == np.float32
    np.testing.assert_allclose(full.sum(1), 1, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, batch_size=13, verbose=0), full, rtol=1e-6)
    assert model.predict(x[:1], verbose=0).shape == (1, 3)
    np.testing.assert_allclose(model(x[:5]), full[:5], rtol=1e-6)
    tutorial = tutorial_model()
    assert tutorial.predict(np.zeros((3, 28, 28)), verbose=0).shape == (3, 10)


STEP_LINE = (r"^{n}/{n} ━{{20}} \d+s \d+(ms|us|s)/step - accuracy: \d\.\d{{4}} "
             r"- loss: \d\.\d{{4}}{val}$")


def test_verbose_1_prints_one_line_per_epoch_when_not_a_terminal(blobs, capsys):
    x, y = blobs
    small_model().fit(x, y, epochs=3, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out and "\033" not in out
    lines = out.splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert len(lines) == 6
    for line in lines[1::2]:
        assert re.match(STEP_LINE.format(n=10, val=""), line), line


def test_verbose_auto_is_1_and_shows_validation(blobs, capsys):
    x, y = blobs
    small_model().fit(x, y, epochs=1, validation_split=0.2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0] == "Epoch 1/1"
    val = r" - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}"
    assert re.match(STEP_LINE.format(n=8, val=val), lines[1]), lines[1]


def test_verbose_2_and_0(blobs, capsys):
    x, y = blobs
    model = small_model()
    model.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0::2] == ["Epoch 1/2", "Epoch 2/2"] and len(lines) == 4
    for line in lines[1::2]:
        assert re.match(r"^10/10 - \d+s - \d+(ms|us|s)/step - accuracy: \d\.\d{4} - "
                        r"loss: \d\.\d{4}$", line), line
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_and_predict_progress_lines(blobs, capsys):
    x, y = blobs
    model = small_model()
    model.evaluate(x, y)
    out = capsys.readouterr().out
    assert "\r" not in out
    assert re.match(STEP_LINE.format(n=10, val=""), out.strip()), out
    model.predict(x)
    out = capsys.readouterr().out.strip()
    assert re.match(r"^10/10 ━{20} \d+s \d+(ms|us|s)/step$", out), out


def test_progress_bar_redraws_in_place_in_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = glassnet.progress.Progbar(5, verbose=1, stream=stream, interval=0.0)
    for step in range(1, 6):
        bar.update(step, {"accuracy": 0.5, "loss": 1.0})
    bar.update(5, {"accuracy": 0.5, "loss": 1.0}, finalize=True)
    text = stream.getvalue()
    assert text.count("\r") >= 5 and text.endswith("\n") and text.count("\n") == 1
    assert "5/5" in text and "accuracy: 0.5000 - loss: 1.0000" in text


def test_initial_epoch(blobs, capsys):
    x, y = blobs
    history = small_model().fit(x, y, epochs=3, initial_epoch=2, verbose=1)
    assert history.epoch == [2] and len(history.history["loss"]) == 1
    assert capsys.readouterr().out.startswith("Epoch 3/3\n")


def test_shuffle_false_is_deterministic_whatever_the_seed(blobs):
    x, y = blobs
    start = small_model().get_weights()
    results = []
    for seed in (1, 2):
        model = small_model()
        model.set_weights(start)
        glassnet.utils.set_random_seed(seed)  # would change the order if shuffle were on
        model.fit(x, y, epochs=2, shuffle=False, verbose=0)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    shuffled = []
    for seed in (1, 2):
        model = small_model()
        model.set_weights(start)
        glassnet.utils.set_random_seed(seed)
        model.fit(x, y, epochs=1, shuffle=True, verbose=0)
        shuffled.append(model.get_weights()[0])
    assert not np.array_equal(*shuffled)


def test_set_random_seed_gives_bit_identical_weights_after_fit(blobs):
    x, y = blobs

    def run(seed):
        glassnet.utils.set_random_seed(seed)
        model = glassnet.Sequential([layers.Dense(16, activation="relu"), layers.Dropout(0.3),
                                     layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x, y, epochs=2, verbose=0, validation_split=0.1)
        return model.get_weights()

    first, second, other = run(7), run(7), run(8)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


def test_save_and_load_round_trip(blobs, tmp_path):
    x, y = blobs
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0)
    path = tmp_path / "model.glassnet"
    model.save(str(path))
    loaded = glassnet.models.load_model(str(path))
    assert glassnet.load_model is glassnet.models.load_model
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
    assert loaded.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
    # the optimizer state travels too: training on continues identically
    assert loaded.optimizer.iterations == model.optimizer.iterations == 10
    model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    # the file is a zip without pickles
    import zipfile

    names = zipfile.ZipFile(path).namelist()
    assert "config.json" in names and not any(n.endswith(".pkl") for n in names)


def test_save_and_load_the_tutorial_model_with_dropout(tmp_path):
    model = glassnet.Sequential([layers.Flatten(input_shape=(28, 28)),
                                 layers.Dense(128, activation="relu"), layers.Dropout(0.2),
                                 layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    x = np.random.default_rng(0).random((10, 28, 28))
    model.save(tmp_path / "m.glassnet")
    loaded = glassnet.keras.models.load_model(tmp_path / "m.glassnet")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[2].rate == 0.2


def test_to_categorical():
    onehot = glassnet.utils.to_categorical([0, 2, 1, 2])
    np.testing.assert_array_equal(onehot, [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert onehot.dtype == np.float32
    assert glassnet.utils.to_categorical(np.array([[1], [3]]), num_classes=5).shape == (2, 5)
    with pytest.raises(ValueError, match="num_classes"):
        glassnet.utils.to_categorical([0, 5], num_classes=5)


def test_keras_spellings():
    import glassnet as keras
    import glassnet as tf

    assert keras.Sequential is tf.keras.Sequential is glassnet.Sequential
    assert keras.layers.Dense is tf.keras.layers.Dense is layers.Dense
    assert tf.keras.layers.Flatten is layers.Flatten
    assert tf.keras.datasets.mnist.load_data is glassnet.datasets.mnist.load_data
    assert tf.keras.utils.to_categorical is glassnet.utils.to_categorical
    assert tf.keras.optimizers.Adam is glassnet.optimizers.Adam
    assert tf.keras.losses.SparseCategoricalCrossentropy is \
        glassnet.losses.SparseCategoricalCrossentropy
    assert tf.keras.callbacks.EarlyStopping is glassnet.callbacks.EarlyStopping
    assert tf.keras.models.Sequential is glassnet.Sequential
    assert keras.Input is tf.keras.Input and issubclass(keras.Sequential, keras.Model)
    model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])
    assert model.built


def test_from_keras_submodule_imports_reach_the_same_classes():
    """``from tensorflow.keras.layers import Dense`` becomes ``from glassnet.keras.layers
    import Dense``; it must not import a second copy of the layers module."""
    from glassnet.keras.datasets import mnist
    from glassnet.keras.layers import Dense, Flatten
    from glassnet.keras.models import Sequential

    assert Dense is glassnet.layers.Dense and Flatten is glassnet.layers.Flatten
    assert mnist is glassnet.datasets.mnist and Sequential is glassnet.Sequential
    model = Sequential([Flatten(input_shape=(2, 2)), Dense(1)])
    assert model.count_params() == 5
    assert glassnet.Sequential([glassnet.layers.Dense(1)])  # glassnet.layers left intact


def test_dropout_scales_in_training_and_is_identity_at_inference(blobs):
    x, _ = blobs
    layer = layers.Dropout(0.25)
    ones = np.ones((2000, 50), np.float32)
    glassnet.utils.set_random_seed(0)
    out = layer(ones, training=True).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)
    assert abs(out.mean() - 1) < 0.02  # expected value preserved (inverted dropout)
    np.testing.assert_array_equal(layer(ones, training=False), ones)
    # in a model: predict and evaluate run without dropout
    glassnet.utils.set_random_seed(0)
    with_dropout = glassnet.Sequential([layers.Dense(16, input_shape=(8,)), layers.Dropout(0.5),
                                        layers.Dense(3)])
    without = glassnet.Sequential([layers.Dense(16, input_shape=(8,)), layers.Dense(3)])
    without.set_weights(with_dropout.get_weights())
    np.testing.assert_array_equal(with_dropout.predict(x, verbose=0),
                                  without.predict(x, verbose=0))
    assert not np.array_equal(with_dropout(x, training=True), without(x))
    with pytest.raises(ValueError):
        layers.Dropout(1.0)


def test_float32_throughout_training(blobs):
    x, y = blobs
    model = small_model()
    model.fit(x.astype(np.float64), y, epochs=1, verbose=0)
    assert model.parameters.theta.dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.weights)
    assert model.predict(x.astype(np.float64), verbose=0).dtype == np.float32
    assert all(s.dtype == np.float32 for s in model.optimizer.state.values())


def test_freezing_a_layer_of_a_built_model(blobs):
    """Keras's transfer-learning pattern: ``layer.trainable = False``, compile, fit. The
    frozen layer's weights must not move; the others must; unfreezing works again."""
    x, y = blobs
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[0].trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    frozen, other = model.layers[0].get_weights(), model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    model.train_on_batch(x[:32], y[:32])
    assert_all_equal(model.layers[0].get_weights(), frozen)
    assert not np.array_equal(model.layers[1].get_weights()[0], other[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    model.layers[0].trainable = True  # without recompiling
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(model.layers[0].get_weights()[0], frozen[0])


def assert_all_equal(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
