"""Recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional) and sequences of any length.

Gradient checks: float64 central differences (``test_gradients.check_layer``) of every
input and weight, with ``return_sequences`` on and off, ``go_backwards``, a mask with padded
steps, ``return_state``, dropout with a fixed seed, and each ``Bidirectional`` merge mode.
The Keras reference values are in ``test_recurrent_keras.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import assert_grad_close, check_layer, numerical_grad

import glassnet
from glassnet import layers
from glassnet.errors import InputError

RNNS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}


class FixedMask:
    """Stands for ``Embedding(mask_zero=True)``: a layer whose ``output_mask`` masks steps."""

    def __init__(self, mask: np.ndarray) -> None:
        self.output_mask = mask


def _randomize(layer, rng) -> None:
    """Weights of order 1 (biases too), so that every gate matters in the check."""
    layer.set_weights([rng.uniform(-1, 1, w.shape) for w in layer.get_weights()])


def _mask(B: int, T: int) -> np.ndarray:
    mask = np.ones((B, T), bool)
    mask[0, :2] = False  # pre-padding, as pad_sequences makes it
    mask[1, -1] = False  # post-padding
    mask[2, 1] = False  # a hole in the middle
    return mask


# -- gradients ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", RNNS)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_rnn_gradient(cls, return_sequences, go_backwards, masked, float64):
    rng = np.random.default_rng(1)
    B, T, d = 3, 4, 3
    layer = RNNS[cls](2, return_sequences=return_sequences, go_backwards=go_backwards)
    x = rng.standard_normal((B, T, d))
    layer(x)  # build
    _randomize(layer, rng)
    if masked:
        layer.mask_source = FixedMask(_mask(B, T))
    check_layer(layer, x, rng)


@pytest.mark.parametrize("cls", RNNS)
def test_rnn_gradient_zero_output_for_mask(cls, float64):
    rng = np.random.default_rng(2)
    layer = RNNS[cls](2, return_sequences=True, zero_output_for_mask=True)
    x = rng.standard_normal((3, 4, 2))
    layer(x)
    _randomize(layer, rng)
    layer.mask_source = FixedMask(_mask(3, 4))
    check_layer(layer, x, rng)
    y = layer.forward(x)
    assert np.all(y[0, :2] == 0) and np.all(y[1, -1] == 0)


@pytest.mark.parametrize("cls", RNNS)
def test_rnn_gradient_with_dropout(cls, float64):
    """Dropout and recurrent dropout with a seed rebuilt before each forward pass: the same
    masks each time, so the training-mode forward is a fixed function to check."""
    rng = np.random.default_rng(3)
    layer = RNNS[cls](3, dropout=0.3, recurrent_dropout=0.4, seed=7,
                      return_sequences=True)
    x = rng.standard_normal((4, 3, 3))
    layer(x)
    _randomize(layer, rng)

    def fresh():
        layer._rng = np.random.default_rng(7)

    check_layer(layer, x, rng, training=True, fresh=fresh)
    fresh()
    assert not np.allclose(layer.forward(x, training=True), layer.forward(x))


@pytest.mark.parametrize("cls", RNNS)
def test_rnn_return_state_gradient(cls, float64):
    """``return_state``: gradients from the output and from every final state."""
    rng = np.random.default_rng(4)
    layer = RNNS[cls](2, return_state=True)
    x = rng.standard_normal((3, 4, 2))
    out = layer(x)
    _randomize(layer, rng)
    n = 3 if cls == "LSTM" else 2
    assert len(out) == n and all(o.shape == (3, 2) for o in out)
    layer.mask_source = FixedMask(_mask(3, 4))
    dys = [rng.standard_normal((3, 2)) for _ in range(n)]

    def loss():
        return float(sum(np.sum(d * o) for d, o in zip(dys, layer.forward(x))))

    layer.forward(x)
    dx = layer.backward(dys)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    assert_grad_close(dx, numerical_grad(loss, x))
    for k, p in layer.params.items():
        assert_grad_close(analytic[k], numerical_grad(loss, p))


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_gradient(merge_mode, return_sequences, float64):
    rng = np.random.default_rng(5)
    layer = layers.Bidirectional(layers.LSTM(2, return_sequences=return_sequences),
                                 merge_mode=merge_mode)
    x = rng.standard_normal((3, 4, 2))
    layer(x)
    _randomize(layer, rng)
    mask = FixedMask(_mask(3, 4))
    layer.forward_layer.mask_source = layer.backward_layer.mask_source = mask
    x = x.copy()
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape)

    def loss():
        return float(np.sum(dy * layer.forward(x)))

    layer.forward(x)
    dx = layer.backward(dy)
    analytic = [g.copy() for sub in layer.leaves() for g in sub.grads.values()]
    assert_grad_close(dx, numerical_grad(loss, x))
    params = [p for sub in layer.leaves() for p in sub.params.values()]
    for g, p in zip(analytic, params):
        assert_grad_close(g, numerical_grad(loss, p))


def test_masked_global_average_pooling_gradient(float64):
    """The mean over the unmasked steps only: y = Σ_t m x_t / Σ_t m."""
    rng = np.random.default_rng(10)
    layer = layers.GlobalAveragePooling1D()
    x = rng.standard_normal((3, 4, 2))
    layer(x)
    layer.mask_source = FixedMask(_mask(3, 4))
    check_layer(layer, x, rng)
    np.testing.assert_allclose(layer.forward(x)[0], x[0, 2:].mean(axis=0))


def test_masking_gradient_and_mask(float64):
    rng = np.random.default_rng(12)
    layer = layers.Masking(0.0)
    x = rng.standard_normal((3, 4, 2))
    x[0, 1] = 0
    x[2, 3, 0] = 0  # one feature of a step: not masked
    dy = rng.standard_normal(x.shape)
    layer(x)
    np.testing.assert_array_equal(layer.output_mask, [[1, 0, 1, 1], [1, 1, 1, 1],
                                                      [1, 1, 1, 1]])
    dx = layer.backward(dy)
    # y jumps where a step leaves the mask value: differences are taken at the other steps
    numeric = numerical_grad(lambda: float(np.sum(dy * layer.forward(x))), x)
    kept = layer.output_mask
    assert_grad_close(dx[kept], numeric[kept])
    assert np.all(dx[0, 1] == 0)


def test_masking_skips_padded_steps_in_a_model():
    glassnet.utils.set_random_seed(13)
    model = glassnet.Sequential([glassnet.Input(shape=(None, 2)), layers.Masking(-1.0),
                                 layers.LSTM(3)])
    x = np.random.default_rng(0).standard_normal((1, 3, 2))
    padded = np.concatenate([np.full((1, 2, 2), -1.0), x], axis=1)
    np.testing.assert_allclose(model.predict(padded, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_bidirectional_merge_none_and_states(float64):
    rng = np.random.default_rng(6)
    layer = layers.Bidirectional(layers.GRU(2, return_sequences=True, return_state=True),
                                 merge_mode=None)
    x = rng.standard_normal((2, 3, 2))
    outs = layer(x)
    assert [o.shape for o in outs] == [(2, 3, 2), (2, 3, 2), (2, 2), (2, 2)]
    _randomize(layer, rng)
    dys = [rng.standard_normal(o.shape) for o in outs]

    def loss():
        return float(sum(np.sum(d * o) for d, o in zip(dys, layer.forward(x))))

    layer.forward(x)
    dx = layer.backward(dys)
    assert_grad_close(dx, numerical_grad(loss, x))


def test_gradient_tape_through_recurrent_layers(float64):
    """Called on a tape (a custom training loop), LSTM and Bidirectional give the weights
    the gradients of their own backward."""
    rng = np.random.default_rng(8)
    x = rng.standard_normal((2, 3, 4))
    for layer in (layers.LSTM(3), layers.Bidirectional(layers.GRU(2))):
        layer(x)
        with glassnet.GradientTape() as tape:
            y = layer(x)
            loss = glassnet.reduce_sum(y * y)
        grads = tape.gradient(loss, layer.trainable_variables)
        layer.forward(x)
        layer.backward(2 * layer.forward(x))
        expected = [g for leaf in layer.leaves() for g in leaf.grads.values()]
        assert len(grads) == len(expected) == 3 * len(layer.leaves())
        for g, e in zip(grads, expected):
            np.testing.assert_allclose(np.asarray(g), e, rtol=1e-10)


# -- the formulas, by hand ---------------------------------------------------------------
def test_simple_rnn_hand_worked_example():
    layer = layers.SimpleRNN(1, activation=None, return_sequences=True)
    layer.build((2, 1))
    layer.set_weights([np.array([[1.0]]), np.array([[0.5]]), np.array([0.0])])
    np.testing.assert_allclose(np.ravel(layer(np.array([[[1.0], [2.0]]]))), [1.0, 2.5])


def test_lstm_and_gru_hand_worked_examples():
    lstm = layers.LSTM(1)
    lstm.build((1, 1))
    lstm.set_weights([np.zeros((1, 4)), np.zeros((1, 4)), np.array([0.0, 0, 1, 0])])
    np.testing.assert_allclose(lstm(np.zeros((1, 1, 1))), [[0.5 * np.tanh(0.5 * np.tanh(1))]],
                               rtol=1e-6)
    gru = layers.GRU(1)
    gru.build((1, 1))
    gru.set_weights([np.zeros((1, 3)), np.zeros((1, 3)), np.array([[0.0, 0, 1], [0, 0, 0]])])
    np.testing.assert_allclose(gru(np.zeros((1, 1, 1))), [[0.5 * np.tanh(1)]], rtol=1e-6)


def test_keras_weight_shapes_and_defaults():
    lstm, gru, rnn = layers.LSTM(3), layers.GRU(3), layers.SimpleRNN(3)
    for layer in (lstm, gru, rnn):
        layer.build((None, 5))
    assert [w.shape for w in lstm.weights] == [(5, 12), (3, 12), (12,)]
    assert [w.shape for w in gru.weights] == [(5, 9), (3, 9), (2, 9)]
    assert [w.shape for w in rnn.weights] == [(5, 3), (3, 3), (3,)]
    np.testing.assert_array_equal(np.asarray(lstm.weights[2]), [0, 0, 0, 1, 1, 1, 0, 0, 0,
                                                                0, 0, 0])  # unit_forget_bias
    U = np.asarray(rnn.weights[1])
    np.testing.assert_allclose(U @ U.T, np.eye(3), atol=1e-5)  # orthogonal
    config = lstm.get_config()
    assert (config["activation"], config["recurrent_activation"]) == ("tanh", "sigmoid")
    assert not config["return_sequences"] and not config["go_backwards"]
    assert gru.get_config()["reset_after"] is True


# -- masks through a model -----------------------------------------------------------------
@pytest.mark.parametrize("cls", RNNS)
def test_padding_changes_nothing_with_mask_zero(cls):
    """Embedding(mask_zero=True): the padded sequence gives the same output as the bare one,
    before or after the tokens, and in a batch of any length."""
    glassnet.utils.set_random_seed(3)
    inputs = glassnet.Input(shape=(None,), dtype="int32")
    h = layers.Embedding(9, 4, mask_zero=True)(inputs)
    h = layers.Dropout(0.5)(h)  # passes the mask on
    model = glassnet.Model(inputs, RNNS[cls](3)(h))
    bare = model.predict(np.array([[3, 1, 4]]), verbose=0)
    pre = model.predict(np.array([[0, 0, 3, 1, 4], [0, 0, 0, 0, 5]]), verbose=0)
    post = model.predict(np.array([[3, 1, 4, 0, 0, 0, 0]]), verbose=0)
    np.testing.assert_allclose(pre[:1], bare, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(post, bare, rtol=1e-5, atol=1e-6)
    unmasked = glassnet.Sequential([layers.Embedding(9, 4), RNNS[cls](3)])
    unmasked.build((None, None))
    unmasked.set_weights(model.get_weights())
    assert not np.allclose(unmasked.predict(np.array([[0, 0, 3, 1, 4]]), verbose=0), bare)


def test_mask_reaches_bidirectional_in_sequential():
    glassnet.utils.set_random_seed(4)
    model = glassnet.Sequential([
        layers.Embedding(9, 4, mask_zero=True),
        layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
        layers.LSTM(2)])
    model.build((None, None))
    a = model.predict(np.array([[2, 5, 7]]), verbose=0)
    b = model.predict(np.array([[0, 0, 2, 5, 7]]), verbose=0)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_model_of_sequences_used_as_a_layer():
    """A Sequential built for Input(shape=(None,)) inside a functional model: any length,
    its own mask."""
    glassnet.utils.set_random_seed(6)
    inner = glassnet.Sequential([glassnet.Input(shape=(None,)),
                                 layers.Embedding(9, 4, mask_zero=True), layers.LSTM(3)])
    inputs = glassnet.Input(shape=(None,))
    model = glassnet.Model(inputs, layers.Dense(1)(inner(inputs)))
    short = model.predict(np.array([[1, 2]]), verbose=0)
    np.testing.assert_allclose(model.predict(np.array([[0, 0, 0, 1, 2]]), verbose=0), short,
                               rtol=1e-5, atol=1e-6)


def test_eager_calls_take_keras_mask_argument():
    """Called eagerly, a recurrent layer uses the mask= given (Keras's argument), and none
    otherwise, even after a model ran it with a mask."""
    glassnet.utils.set_random_seed(8)
    tokens = np.array([[0, 0, 3, 1], [2, 5, 7, 1]])
    embedding = layers.Embedding(9, 4, mask_zero=True)
    lstm = layers.Bidirectional(layers.LSTM(3))
    inputs = glassnet.Input(shape=(None,))
    model = glassnet.Model(inputs, lstm(embedding(inputs)))
    expected = model.predict(tokens, verbose=0)
    h = embedding(tokens)
    mask = embedding.compute_mask(tokens)
    np.testing.assert_array_equal(mask, tokens != 0)
    np.testing.assert_allclose(np.asarray(lstm(h, mask=mask)), expected, rtol=1e-6)
    assert not np.allclose(np.asarray(lstm(h))[0], expected[0])
    np.testing.assert_allclose(np.asarray(lstm(h))[1], expected[1], rtol=1e-6)


def test_subclassed_model_passes_the_mask_itself():
    """The keras.io pattern: call(inputs) computes the embedding's mask and passes mask=."""
    class Classifier(glassnet.Model):
        def __init__(self):
            super().__init__()
            self.embedding = layers.Embedding(9, 4, mask_zero=True)
            self.rnn = layers.GRU(4)
            self.out = layers.Dense(1, activation="sigmoid")

        def call(self, inputs):
            mask = self.embedding.compute_mask(inputs)
            return self.out(self.rnn(self.embedding(inputs), mask=mask))

    glassnet.utils.set_random_seed(9)
    model = Classifier()
    model.compile(optimizer=glassnet.optimizers.Adam(0.05), loss="binary_crossentropy")
    x = np.array([[0, 0, 3, 1], [0, 2, 5, 7], [0, 0, 0, 3], [1, 1, 2, 2]] * 4)
    y = (x == 3).any(axis=1).astype("float32")
    history = model.fit(x, y, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    np.testing.assert_allclose(model.predict(np.array([[0, 0, 3, 1]]), verbose=0),
                               model.predict(np.array([[3, 0, 1, 0]]), verbose=0), rtol=1e-5)


# -- variable length -----------------------------------------------------------------------
def test_variable_length_input_builds_and_takes_any_length():
    inputs = glassnet.Input(shape=(None, 3))
    x = layers.LSTM(4, return_sequences=True)(inputs)
    x = layers.Dense(2)(x)  # on the last axis of every step
    model = glassnet.Model(inputs, layers.GlobalAveragePooling1D()(x))
    assert model.output_shape == (None, 2)
    assert model.layers[1].output_shape == (None, 4)
    for T in (1, 5, 9):
        assert model.predict(np.ones((2, T, 3)), verbose=0).shape == (2, 2)
    with pytest.raises(InputError, match=r"\(2, 5\)"):
        model.predict(np.ones((2, 5)), verbose=0)


@pytest.mark.parametrize("first", [
    lambda: layers.Embedding(20, 4, input_length=None),  # Keras 2: None is any length
    lambda: layers.Embedding(20, 4, input_shape=(None,)),
    lambda: layers.Embedding(20, 4),  # built from the first data
])
def test_keras2_sequential_text_models_build(first, recwarn):
    glassnet.utils.set_random_seed(7)
    model = glassnet.Sequential([first(), layers.Bidirectional(layers.LSTM(4)),
                                 layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).integers(0, 20, (16, 6))
    model.fit(x, np.arange(16) % 2, epochs=1, verbose=0)
    assert model.predict(x, verbose=0).shape == (16, 1)
    assert not [w for w in recwarn if "input_length" in str(w.message)]


@pytest.mark.parametrize("make, match", [
    (lambda t: layers.Flatten()(layers.Embedding(5, 2)(t)), "GlobalAveragePooling1D"),
    (lambda t: layers.Dense(3)(t), r"Embedding.*LSTM.*pad_sequences"),
])
def test_layers_that_need_a_fixed_length_name_the_fix(make, match):
    with pytest.raises(InputError, match=match):
        make(glassnet.Input(shape=(None,)))


def test_rnn_on_2d_input_names_the_fix():
    with pytest.raises(InputError, match="Embedding"):
        layers.LSTM(2)(glassnet.Input(shape=(10,)))


# -- learning ---------------------------------------------------------------------------
def test_lstm_text_classifier_learns_contains_token_3():
    """Embedding(mask_zero=True) -> LSTM(16) -> Dense(1, sigmoid) learns "does the sequence
    contain token 3" on padded sequences of 2 to 8 tokens."""
    glassnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)

    def data(n):
        lengths = rng.integers(2, 9, n)
        x = np.zeros((n, 8), np.int64)
        for i, L in enumerate(lengths):
            x[i, 8 - L:] = rng.choice([1, 2, 4, 5, 6, 7], L)
        y = rng.random(n) < 0.5
        for i in np.flatnonzero(y):
            x[i, rng.integers(8 - lengths[i], 8)] = 3
        return x, y.astype(np.float32)

    x, y = data(512)
    x_test, y_test = data(200)
    model = glassnet.Sequential([glassnet.Input(shape=(None,), dtype="int32"),
                                 layers.Embedding(8, 8, mask_zero=True),
                                 layers.LSTM(16),
                                 layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=glassnet.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.95


def test_functional_api_guide_text_model_runs():
    """keras.io's functional API guide: titles and bodies of any length, Embedding + LSTM,
    three inputs and two dict outputs (sizes cut down)."""
    glassnet.utils.set_random_seed(11)
    num_tags, num_words, num_departments = 12, 100, 4
    title_input = glassnet.keras.Input(shape=(None,), name="title")
    body_input = glassnet.keras.Input(shape=(None,), name="body")
    tags_input = glassnet.keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.LSTM(8)(layers.Embedding(num_words, 6)(title_input))
    body_features = layers.LSTM(4)(layers.Embedding(num_words, 6)(body_input))
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = glassnet.keras.Model(inputs=[title_input, body_input, tags_input],
                                 outputs={"priority": priority_pred,
                                          "department": department_pred})
    model.compile(optimizer=glassnet.keras.optimizers.RMSprop(1e-3),
                  loss={"priority": glassnet.keras.losses.BinaryCrossentropy(from_logits=True),
                        "department": glassnet.keras.losses.CategoricalCrossentropy(
                            from_logits=True)},
                  loss_weights={"priority": 1.0, "department": 0.2})
    rng = np.random.default_rng(0)
    data = {"title": rng.integers(num_words, size=(64, 10)),
            "body": rng.integers(num_words, size=(64, 30)),
            "tags": rng.integers(2, size=(64, num_tags)).astype("float32")}
    targets = {"priority": rng.random(size=(64, 1)),
               "department": rng.integers(2, size=(64, num_departments))}
    history = model.fit(data, targets, epochs=2, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


# -- saving --------------------------------------------------------------------------------
def _text_model():
    glassnet.utils.set_random_seed(5)
    inputs = glassnet.Input(shape=(None,))
    h = layers.Embedding(7, 3, mask_zero=True)(inputs)
    h = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode="sum")(h)
    h = layers.SimpleRNN(2, go_backwards=True)(h)
    return glassnet.Model(inputs, layers.Dense(1)(layers.Dropout(0.1)(h)))


@pytest.mark.parametrize("suffix", [".glassnet", ".keras", ".h5"])
def test_save_and_load_round_trip(tmp_path, suffix):
    if suffix != ".glassnet":
        pytest.importorskip("h5py")
    model = _text_model()
    x = np.array([[0, 1, 2, 3], [4, 5, 6, 1]])
    path = tmp_path / f"m{suffix}"
    model.save(path)
    loaded = glassnet.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert loaded.input_shape == (None, None)
