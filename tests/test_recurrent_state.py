"""Recurrent layers beyond one sequence in, one vector out: ``initial_state`` and
``return_state`` (seq2seq), losses per time step with masked steps left out, cells
(``RNN(LSTMCell)``, ``StackedRNNCells``), ``GRU(reset_after=False)`` and ``stateful=True``.

Keras 3.15 reference: ``tests/keras_reference/make_rnn_state_refs.py`` ran the models of
``tests/keras_reference/rnn_state_models.py`` (shared with this file) in Keras with NumPy
weights and wrote ``tests/data/keras_refs/rnn_*.npz``: predictions, evaluate, two epochs of
SGD (losses, accuracy, final weights). Gradient checks are float64 central differences.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from archives import unpack
from test_gradients import assert_grad_close, check_layer, numerical_grad

import glassnet
from glassnet import keras, layers
from glassnet.errors import InputError

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "keras_reference"))
import rnn_state_models as M  # noqa: E402

REFS = HERE / "data" / "keras_refs"


class FixedMask:
    """Stands for ``Embedding(mask_zero=True)``: a layer whose ``output_mask`` masks steps."""

    def __init__(self, mask: np.ndarray) -> None:
        self.output_mask = mask


def _mask(B: int, T: int) -> np.ndarray:
    mask = np.ones((B, T), bool)
    mask[0, :2] = False
    mask[1, -1] = False
    mask[2, 1] = False
    return mask


def _randomize(layer, rng) -> None:
    layer.set_weights([rng.uniform(-1, 1, w.shape) for w in layer.get_weights()])


def weights(model, seed: int) -> list[np.ndarray]:
    """The weights make_rnn_state_refs.py gave the Keras model."""
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()]


CELLS = {
    "SimpleRNN": lambda **kw: layers.SimpleRNN(2, **kw),
    "LSTM": lambda **kw: layers.LSTM(2, **kw),
    "GRU": lambda **kw: layers.GRU(2, **kw),
    "GRU_reset_before": lambda **kw: layers.GRU(2, reset_after=False, **kw),
}


# -- against Keras 3.15 ------------------------------------------------------------------
@pytest.mark.parametrize("make", M.TRAINED, ids=lambda f: f.__name__)
def test_same_predictions_losses_and_training_as_keras(make):
    """seq2seq (gradients into the initial states), GRU(reset_after=False) from a given
    state, masked per-step losses and accuracy (TimeDistributed and Dense on 3-D), stacked
    cells, the masked mean and Conv1D text classifiers: predictions, evaluate, two SGD
    epochs and the weights they end with."""
    ref = np.load(REFS / f"rnn_{make.__name__}.npz")
    model, compile_kw, (x, y) = make(glassnet)
    model.set_weights([ref[f"w{j}"] for j in range(sum(k[0] == "w" for k in ref.files))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), **compile_kw)
    np.testing.assert_allclose(model.predict(x, verbose=0), ref["pred0"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), ref["eval0"], rtol=1e-5)
    hist = model.fit(x, y, epochs=2, batch_size=len(y), shuffle=False, verbose=0,
                     sample_weight=M.SAMPLE_WEIGHTS.get(make.__name__)).history
    np.testing.assert_allclose(hist["loss"], ref["loss"], rtol=1e-5)
    if "acc" in ref.files:
        np.testing.assert_allclose(hist["accuracy"], ref["acc"], rtol=1e-5)
    for j, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, ref[f"final{j}"], rtol=1e-4, atol=1e-6)


def test_stateful_batches_continue_until_reset_as_keras():
    ref = np.load(REFS / "rnn_stateful.npz")["preds"]
    model, batches = M.stateful(glassnet)
    model.set_weights(weights(model, 200))
    preds = [model.predict(b, verbose=0, batch_size=2) for b in batches]
    model.reset_states()
    preds.append(model.predict(batches[2], verbose=0, batch_size=2))
    np.testing.assert_allclose(np.stack(preds), ref, rtol=1e-5, atol=1e-6)
    assert not np.allclose(preds[2], preds[3])  # the states did carry over


def test_return_state_of_every_kind_as_keras():
    """LSTM [y, h, c], GRU(reset_after=False, go_backwards) [y, h], SimpleRNN with
    sequences [Y, h], a stack of cells [y, h1, c1, h2], all under a mask."""
    ref = np.load(REFS / "rnn_states_out.npz")
    model, x = M.states_out(glassnet)
    model.set_weights(weights(model, 300))
    outs = model.predict(x, verbose=0)
    assert len(outs) == len(ref.files) == 11
    for j, out in enumerate(outs):
        np.testing.assert_allclose(out, ref[f"out{j}"], rtol=1e-5, atol=1e-6)


# -- gradients ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", CELLS)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_initial_state_gradient(cls, masked, go_backwards, float64):
    """``layer([x, h0(, c0)])`` with return_state: dL/dx, dL/dh0, dL/dc0 and every weight."""
    rng = np.random.default_rng(11)
    layer = CELLS[cls](return_sequences=True, return_state=True, go_backwards=go_backwards)
    n = 2 if cls == "LSTM" else 1
    x = rng.standard_normal((3, 4, 3))
    states = [rng.standard_normal((3, 2)) for _ in range(n)]
    outs = layer(x, initial_state=states)
    assert len(outs) == 1 + n and outs[0].shape == (3, 4, 2)
    _randomize(layer, rng)
    if masked:
        layer.mask_source = FixedMask(_mask(3, 4))
    dys = [rng.standard_normal(np.shape(o)) for o in outs]

    def loss():
        return float(sum(np.sum(d * o) for d, o in zip(dys, layer.forward([x, *states]))))

    layer.forward([x, *states])
    grads_in = layer.backward(dys)
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    for given, grad in zip([x, *states], grads_in):
        assert_grad_close(grad, numerical_grad(loss, given))
    for k, p in layer.params.items():
        assert_grad_close(analytic[k], numerical_grad(loss, p))


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_gru_reset_before_gradient(return_sequences, masked, float64):
    rng = np.random.default_rng(12)
    layer = layers.GRU(3, reset_after=False, return_sequences=return_sequences)
    x = rng.standard_normal((3, 4, 2))
    layer(x)
    assert layer.params["bias"].shape == (9,)  # one bias, (3·units,), as Keras
    _randomize(layer, rng)
    if masked:
        layer.mask_source = FixedMask(_mask(3, 4))
    check_layer(layer, x, rng)


def test_gru_reset_before_gradient_with_dropout(float64):
    rng = np.random.default_rng(13)
    layer = layers.GRU(3, reset_after=False, dropout=0.3, recurrent_dropout=0.4, seed=5,
                       return_sequences=True)
    x = rng.standard_normal((4, 3, 3))
    layer(x)
    _randomize(layer, rng)

    def fresh():
        layer._rng = np.random.default_rng(5)

    check_layer(layer, x, rng, training=True, fresh=fresh)


@pytest.mark.parametrize("masked", [False, True])
def test_stacked_cells_gradient(masked, float64):
    """RNN([LSTMCell, GRUCell(reset_after=False), SimpleRNNCell]): each stacked cell's
    weights and dL/dx, through every cell."""
    rng = np.random.default_rng(14)
    layer = layers.RNN([layers.LSTMCell(3), layers.GRUCell(2, reset_after=False),
                        layers.SimpleRNNCell(2)], return_sequences=True, go_backwards=masked)
    x = rng.standard_normal((3, 4, 2))
    layer(x)
    _randomize(layer, rng)
    if masked:
        layer.mask_source = FixedMask(_mask(3, 4))
    dy = rng.standard_normal((3, 4, 2))

    def loss():
        return float(np.sum(dy * layer.forward(x)))

    layer.forward(x)
    dx = layer.backward(dy)
    analytic = [(cell.params[k], cell.grads[k].copy()) for cell in layer.cells
                for k in cell.params]
    assert len(analytic) == 9
    assert_grad_close(dx, numerical_grad(loss, x))
    for p, g in analytic:
        assert_grad_close(g, numerical_grad(loss, p))


def _model_loss_check(model, x, y, sample_weight=None):
    """The compiled loss's gradient (fit's path: per-step rows, masks, fusion) against
    central differences of the compiled loss, for every weight."""
    xs, ys = model.prepare(x, y)
    w = None if sample_weight is None else np.asarray(sample_weight, np.float64)

    def loss():
        outs = model.graph.forward(xs)
        return model.compiled.loss_and_gradients(ys, outs, w)[0]

    outs = model.graph.forward(xs)
    _, douts = model.compiled.loss_and_gradients(ys, outs, w)
    model.graph.backward(douts)
    checked = 0
    rng = np.random.default_rng(0)
    for leaf in model.leaves():
        for k, p in leaf.params.items():
            g = leaf.grads[k].reshape(-1).copy()
            flat = p.reshape(-1)
            # 12 entries per weight (the largest gradient among them), for speed
            idx = np.unique(np.append(rng.choice(flat.size, min(11, flat.size), replace=False),
                                      np.argmax(np.abs(g))))
            numeric = np.empty(len(idx))
            for j, i in enumerate(idx):
                # ε = 1e-5: the embedding's gradients are ~1e-4, too close to the rounding
                # error of 1e-6 for a loss of ~2
                old = flat[i]
                flat[i] = old + 1e-5
                up = loss()
                flat[i] = old - 1e-5
                numeric[j] = (up - loss()) / 2e-5
                flat[i] = old
            assert_grad_close(g[idx], numeric)
            checked += 1
    return checked


@pytest.mark.parametrize("weighted", [None, "per_sample", "per_step"])
def test_masked_step_loss_gradient(weighted, float64):
    """Embedding(mask_zero) -> LSTM(return_sequences) -> TimeDistributed(Dense(softmax)):
    the fused per-step cross-entropy over the unmasked steps only, unweighted, with a weight
    per sample (batch,) or per step (batch, T)."""
    glassnet.utils.set_random_seed(3)
    model, kw, (x, y) = M.masked_steps(glassnet)
    model.compile("sgd", **kw)
    sw = {None: None, "per_sample": np.linspace(0.5, 2, len(y)),
          "per_step": np.linspace(0.5, 2, y.size).reshape(y.shape)}[weighted]
    assert _model_loss_check(model, x, y, sw) == 6


def test_masked_logits_loss_gradient(float64):
    glassnet.utils.set_random_seed(4)
    model, kw, (x, y) = M.masked_logits(glassnet)
    model.compile("sgd", **kw)
    assert _model_loss_check(model, x, y) == 6


def test_padding_changes_neither_loss_nor_gradient():
    """The same sentences padded to two lengths: the same loss, the same weight update."""
    rng = np.random.default_rng(15)
    tokens = rng.integers(1, 8, (4, 5))
    labels = rng.integers(0, 3, (4, 5))
    results = []
    for pad in (0, 3):
        glassnet.utils.set_random_seed(15)
        model = keras.Sequential([keras.Input(shape=(None,), dtype="int32"),
                                  layers.Embedding(8, 3, mask_zero=True),
                                  layers.GRU(4, return_sequences=True),
                                  layers.Dense(3, activation="softmax")])
        model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        x = np.pad(tokens, ((0, 0), (0, pad)))
        y = np.pad(labels, ((0, 0), (0, pad)), constant_values=2)  # labels at padding: any
        hist = model.fit(x, y, epochs=2, batch_size=4, verbose=0).history
        results.append((hist, model.get_weights()))
    (h0, w0), (h1, w1) = results
    np.testing.assert_allclose(h0["loss"], h1["loss"], rtol=1e-6)
    np.testing.assert_allclose(h0["accuracy"], h1["accuracy"])
    for a, b in zip(w0, w1):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_gradient_tape_through_states(float64):
    """Eager calls on a GradientTape: LSTM(return_state) feeding a GRU's initial_state,
    gradients for the input and every weight against central differences."""
    rng = np.random.default_rng(16)
    enc = layers.LSTM(3, return_state=True)
    dec = layers.GRU(3, return_sequences=True)
    x1, x2 = rng.standard_normal((2, 4, 2)), rng.standard_normal((2, 3, 2))
    dec(x2, initial_state=enc(x1)[1])  # build
    _randomize(enc, rng)
    _randomize(dec, rng)

    def loss_value():
        _, h, _c = enc(x1)
        return float(np.sum(np.asarray(dec(x2, initial_state=h)) ** 2))

    t1 = glassnet.constant(x1)
    with glassnet.GradientTape() as tape:
        tape.watch(t1)
        _, h, c = enc(t1)
        loss = glassnet.reduce_sum(glassnet.square(dec(x2, initial_state=h)))
    sources = [t1, *enc.trainable_variables, *dec.trainable_variables]
    grads = tape.gradient(loss, sources)
    assert all(g is not None for g in grads)
    for source, g in zip([x1, *[v.array for v in sources[1:]]], grads):
        assert_grad_close(np.asarray(g), numerical_grad(loss_value, source))


# -- programs as tutorials write them ------------------------------------------------------
class TextModel(keras.Model):
    """TensorFlow's "Text generation with an RNN" model, as the tutorial writes it."""

    def __init__(self, vocab_size, embedding_dim, rnn_units):
        super().__init__(self)  # sic: the tutorial's Keras 2 spelling
        self.embedding = layers.Embedding(vocab_size, embedding_dim)
        self.gru = layers.GRU(rnn_units, return_sequences=True, return_state=True)
        self.dense = layers.Dense(vocab_size)

    def call(self, inputs, states=None, return_state=False, training=False):
        x = self.embedding(inputs, training=training)
        if states is None:
            states = self.gru.get_initial_state(x)
        x, states = self.gru(x, initial_state=states, training=training)
        x = self.dense(x, training=training)
        return (x, states) if return_state else x


def test_tensorflow_text_generation_model_trains_and_generates():
    glassnet.utils.set_random_seed(17)
    text = np.array([i % 7 for i in range(7 * 40)])
    x = np.stack([text[i:i + 10] for i in range(0, 200, 5)])
    y = np.stack([text[i + 1:i + 11] for i in range(0, 200, 5)])
    model = TextModel(7, 4, 16)
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss=glassnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    hist = model.fit(x, y, batch_size=8, epochs=10, verbose=0).history
    assert hist["loss"][-1] < 0.5 * hist["loss"][0]
    # one character at a time, the states carried from call to call
    states, ids, out = None, glassnet.constant([[3]]), []
    for _ in range(6):
        logits, states = model(ids, states=states, return_state=True)
        ids = glassnet.constant(np.argmax(np.asarray(logits)[:, -1:], axis=-1))
        out.append(int(np.asarray(ids)[0, 0]))
    assert out == [4, 5, 6, 0, 1, 2]


def test_seq2seq_inference_models_share_the_trained_layers():
    """lstm_seq2seq's inference set-up: an encoder model giving [h, c] and a decoder model
    taking them as Inputs, built from the trained layers, reproduce the trained model."""
    glassnet.utils.set_random_seed(18)
    model, kw, (x, y) = M.seq2seq(glassnet)
    model.compile("adam", **kw)
    model.fit(x, y, epochs=1, verbose=0)
    enc_in, dec_in = model.inputs
    enc_lstm, dec_lstm, dense = [la for la in model.layers if la.count_params()]
    _, h, c = enc_lstm.output
    encoder = keras.Model(enc_in, [h, c])
    h_in, c_in = keras.Input(shape=(5,)), keras.Input(shape=(5,))
    seq, h2, c2 = dec_lstm(dec_in, initial_state=[h_in, c_in])
    decoder = keras.Model([dec_in, h_in, c_in], [dense(seq), h2, c2])
    states = encoder.predict(x[0], verbose=0)
    step_by_step = []
    for t in range(x[1].shape[1]):
        probs, *states = decoder.predict([x[1][:, t:t + 1], *states], verbose=0)
        step_by_step.append(probs[:, 0])
    np.testing.assert_allclose(np.stack(step_by_step, axis=1), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


# -- what Keras refuses, refused with the fix ---------------------------------------------
def test_wrong_initial_states_are_named():
    layer = layers.LSTM(4)
    x = np.zeros((2, 3, 5), np.float32)
    with pytest.raises(InputError, match=r"2 initial state\(s\).*\('batch', 4\)"):
        layer(x, initial_state=[np.zeros((2, 4))])
    inputs = keras.Input(shape=(None, 5))
    with pytest.raises(InputError, match=r"got shapes \[\(3,\), \(4,\)\]"):
        layers.LSTM(4)(inputs, initial_state=[keras.Input(shape=(3,)), keras.Input(shape=(4,))])


def test_stateful_layer_names_a_changed_batch_size():
    layer = layers.GRU(2, stateful=True)
    layer(np.zeros((4, 3, 1), np.float32))
    with pytest.raises(InputError, match="batch_size=4"):
        layer(np.zeros((3, 3, 1), np.float32))
    layer.reset_states()
    assert layer(np.zeros((3, 3, 1), np.float32)).shape == (3, 2)


def test_cell_called_alone_names_rnn():
    with pytest.raises(NotImplementedError, match=r"RNN\(LSTMCell"):
        layers.LSTMCell(3)(np.zeros((2, 4), np.float32))


def test_lstm_settings_are_its_cells():
    layer = layers.LSTM(5, dropout=0.25, recurrent_activation="tanh")
    assert isinstance(layer.cell, layers.LSTMCell)
    assert layer.units == 5 and layer.dropout == 0.25
    assert layer.recurrent_activation.name == "tanh"
    assert layers.GRU(3, reset_after=False).cell.state_size == 3
    assert layers.LSTM(3).cell.state_size == [3, 3]


# -- saving -------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".glassnet", ".keras", ".h5"])
def test_save_and_load_cells_states_and_reset_before(tmp_path, suffix):
    glassnet.utils.set_random_seed(19)
    model = M.cells_and_states(glassnet)
    model.compile("adam", "mse")
    x = np.random.default_rng(19).standard_normal((3, 5, 3)).astype("float32")
    model.fit(x, np.ones((3, 2)), epochs=1, verbose=0)
    model.save(tmp_path / f"m{suffix}")
    again = glassnet.models.load_model(tmp_path / f"m{suffix}")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    kinds = {type(la).__name__ for la in again.layers}
    assert {"RNN", "GRU", "Dense"} <= kinds


def test_stateful_config_round_trip(tmp_path):
    model, batches = M.stateful(glassnet)
    model.save(tmp_path / "s.glassnet")
    again = glassnet.models.load_model(tmp_path / "s.glassnet")
    assert [la.stateful for la in again.layers[:2]] == [True, True]


SAVED = ("seq2seq", "gru_states", "masked_steps", "cells", "pooled_text", "bidirectional_cells")


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory) -> Path:
    """The trained models Keras saved (make_rnn_state_refs.py), unpacked."""
    return unpack(HERE / "data" / "keras_files" / "rnn_state_files.tar.xz",
                  tmp_path_factory.mktemp("rnn_state_files"))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", SAVED)
def test_keras_files_with_states_and_cells_predict_as_keras(keras_files, name, suffix):
    """Keras's files: rnn(x, initial_state=[h, c]) nodes, RNN(StackedRNNCells) and
    GRU(reset_after=False) configs and weights, TimeDistributed with a mask."""
    pytest.importorskip("h5py")
    make = getattr(M, name)
    _, _, (x, _) = make(glassnet)
    model = glassnet.models.load_model(keras_files / f"{name}{suffix}")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               np.load(keras_files / f"{name}.npz")["y"], rtol=1e-5,
                               atol=1e-6)


# -- what TensorFlow's stateful text-generation tutorial needs besides the layers ---------
def test_stateful_tutorial_model_builds_from_batch_input_shape(recwarn):
    """Keras 2's ``Embedding(..., batch_input_shape=[batch, None])``, ``GRU(stateful=True)``,
    ``model.build(tf.TensorShape([1, None]))`` on a built model, ``model.reset_states()``."""
    glassnet.utils.set_random_seed(21)

    def build_model(batch_size):
        return keras.Sequential([
            layers.Embedding(9, 4, batch_input_shape=[batch_size, None]),
            layers.GRU(5, return_sequences=True, stateful=True,
                       recurrent_initializer="glorot_uniform"),
            layers.Dense(9)])

    model = build_model(1)
    model.build(glassnet.TensorShape([1, None]))
    assert any("batch_input_shape" in str(w.message) for w in recwarn)
    ids = np.array([[3, 1, 4]])
    whole = np.asarray(model(ids))
    model.reset_states()
    steps = [np.asarray(model(ids[:, t:t + 1]))[:, 0] for t in range(3)]  # state carried
    np.testing.assert_allclose(np.stack(steps, axis=1), whole, rtol=1e-5, atol=1e-6)
    model.reset_states()
    np.testing.assert_allclose(np.asarray(model(ids[:, :1]))[:, 0], steps[0], rtol=1e-6)


def test_sparse_crossentropy_function_on_sequences(float64):
    """``tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)``
    on ``(batch, T, k)``: one loss per step, shape ``(batch, T)``, differentiable on a tape."""
    rng = np.random.default_rng(22)
    logits, labels = rng.standard_normal((3, 4, 5)), rng.integers(0, 5, (3, 4))
    per_step = glassnet.keras.losses.sparse_categorical_crossentropy(labels, logits,
                                                                    from_logits=True)
    z = logits - logits.max(axis=-1, keepdims=True)
    want = np.log(np.exp(z).sum(-1)) - np.take_along_axis(z, labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(per_step, want, rtol=1e-12)
    t = glassnet.Variable(logits)
    with glassnet.GradientTape() as tape:
        loss = glassnet.reduce_mean(glassnet.keras.losses.sparse_categorical_crossentropy(
            labels, t, from_logits=True))
    grad = np.asarray(tape.gradient(loss, t))

    def value():
        return float(np.mean(glassnet.keras.losses.sparse_categorical_crossentropy(
            labels, logits, from_logits=True)))

    assert_grad_close(grad, numerical_grad(value, logits))


def test_random_categorical_draws_from_the_softmax():
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.05, 0.05, 0.9]]))
    draws = np.asarray(glassnet.random.categorical(logits, num_samples=20000, seed=3))
    assert draws.shape == (2, 20000) and draws.dtype == np.int64
    freq = np.stack([np.bincount(row, minlength=3) / 20000 for row in draws])
    np.testing.assert_allclose(freq, np.exp(logits), atol=0.015)
    again = glassnet.random.categorical(logits, num_samples=5, seed=3)
    np.testing.assert_array_equal(np.asarray(again), draws[:, :5])


# -- cells called by hand: output, states = cell(x_t, states) ------------------------------
def test_cells_called_step_by_step_as_keras():
    ref = np.load(REFS / "rnn_cell_steps.npz")
    cells, xs, h0 = M.cell_steps(glassnet)
    for i, cell in enumerate(cells):
        states = [h0, h0] if i == 0 else [h0]
        for t in range(len(xs)):
            out, states = cell(xs[t], states)
            if t == 0:
                cell.set_weights(weights(cell, 400 + i))
                states = [h0, h0] if i == 0 else [h0]
                out, states = cell(xs[t], states)
            np.testing.assert_allclose(np.asarray(out), ref[f"cell{i}_step{t}"], rtol=1e-5,
                                       atol=1e-6)
        np.testing.assert_allclose(np.stack([np.asarray(s) for s in states]),
                                   ref[f"cell{i}_states"], rtol=1e-5, atol=1e-6)
        assert isinstance(states, list) and len(states) == (2 if i == 0 else 1)


@pytest.mark.parametrize("make", [lambda: layers.LSTMCell(3),
                                  lambda: layers.GRUCell(3, reset_after=False),
                                  lambda: layers.SimpleRNNCell(3)],
                         ids=["LSTMCell", "GRUCell_reset_before", "SimpleRNNCell"])
@pytest.mark.parametrize("x_batch", [4, 1])
def test_cell_steps_on_a_tape_gradient(make, x_batch, float64):
    """Two hand-written steps on a GradientTape: gradients of x_t, the initial states and the
    weights; ``x_batch=1`` broadcasts one input against a batch of 4 states (Keras's
    arithmetic, which the handbook's predict relies on)."""
    rng = np.random.default_rng(23)
    cell = make()
    x = rng.standard_normal((2, x_batch, 2))
    h0 = rng.standard_normal((4, 3))
    cell(x[0], [h0] * cell.n_states)  # build
    _randomize(cell, rng)

    def run(x_, h_):
        states = [h_] * cell.n_states
        for t in range(2):
            out, states = cell(x_[t], states)
        return out

    dy = rng.standard_normal((4, 3))
    xt, ht = glassnet.Variable(x), glassnet.Variable(h0)
    with glassnet.GradientTape() as tape:
        loss = glassnet.reduce_sum(run(xt, ht) * dy)
    sources = [xt, ht, *cell.trainable_variables]
    grads = tape.gradient(loss, sources)

    def value():
        return float(np.sum(np.asarray(run(x, h0)) * dy))

    for source, g in zip([x, h0, *[v.array for v in sources[2:]]], grads):
        assert_grad_close(np.asarray(g), numerical_grad(value, source))


def test_tensorflow_handbook_character_model_learns():
    """简单粗暴 TensorFlow 2's model: a subclassed Model looping an LSTMCell by hand, its
    initial state from ``cell.get_initial_state(batch_size=..., dtype=tf.float32)``,
    trained in a GradientTape loop; learns to repeat the first character."""
    glassnet.utils.set_random_seed(24)

    class CharRNN(keras.Model):
        def __init__(self, num_chars, batch_size, seq_length):
            super().__init__()
            self.num_chars, self.batch_size, self.seq_length = num_chars, batch_size, \
                seq_length
            self.cell = layers.LSTMCell(units=16)
            self.dense = layers.Dense(units=num_chars)

        def call(self, inputs, from_logits=False):
            inputs = glassnet.one_hot(inputs, depth=self.num_chars)
            state = self.cell.get_initial_state(batch_size=self.batch_size,
                                                dtype=glassnet.float32)
            for t in range(self.seq_length):
                output, state = self.cell(inputs[:, t, :], state)
            logits = self.dense(output)
            return logits if from_logits else glassnet.nn.softmax(logits)

    model = CharRNN(5, 8, 4)
    optimizer = keras.optimizers.Adam(learning_rate=0.02)
    rng = np.random.default_rng(24)
    losses = []
    for _ in range(40):
        X = rng.integers(0, 5, (8, 4))
        with glassnet.GradientTape() as tape:
            loss = glassnet.reduce_mean(keras.losses.sparse_categorical_crossentropy(
                y_true=X[:, 0], y_pred=model(X)))
        grads = tape.gradient(loss, model.variables)
        optimizer.apply_gradients(grads_and_vars=zip(grads, model.variables))
        losses.append(float(loss))
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    probs = np.asarray(model(np.array([[3, 0, 1, 2]])))  # batch 1 against 8 states: broadcast
    assert probs.shape == (8, 5) and np.argmax(probs[0]) == 3


def test_stateful_layer_in_a_subclassed_model_starts_from_zeros():
    """The first call of a subclassed model runs call once to learn its output shape; a
    stateful GRU inside keeps no state from that trial."""
    glassnet.utils.set_random_seed(25)

    class Tagger(keras.Model):
        def __init__(self):
            super().__init__()
            self.gru = layers.GRU(3, return_sequences=True, stateful=True)

        def call(self, x):
            return self.gru(x)

    model = Tagger()
    x = np.random.default_rng(25).standard_normal((2, 4, 2)).astype("float32")
    first = np.asarray(model(x))
    model.reset_states()
    np.testing.assert_allclose(np.asarray(model(x)), first, rtol=1e-6)


def test_dataset_elements_have_numpy_and_latest_checkpoint_finds_the_last_save(tmp_path):
    """The rest of TensorFlow 2.0's text-generation tutorial: ``x.numpy()`` on the
    elements of a ``tf.data.Dataset``; ``ModelCheckpoint("ckpt_{epoch}",
    save_weights_only=True)`` then ``model.load_weights(tf.train.latest_checkpoint(dir))``."""
    text_as_int = np.arange(30) % 7
    chars = np.array(list("abcdefg"))
    sequences = glassnet.data.Dataset.from_tensor_slices(text_as_int).batch(
        6, drop_remainder=True)
    first = next(iter(sequences))
    assert "".join(chars[first.numpy()]) == "abcdef"
    assert isinstance(first.numpy(), np.ndarray) and type(first.numpy()) is np.ndarray
    for x in sequences.take(1):
        assert chars[x[0]] == "a" and type(next(sequences.as_numpy_iterator())) is np.ndarray

    assert glassnet.train.latest_checkpoint(tmp_path / "none") is None
    glassnet.utils.set_random_seed(26)
    model = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    model.compile("sgd", "mse")
    save = keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt_{epoch}"),
                                           save_weights_only=True)
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=3, verbose=0, callbacks=[save])
    latest = glassnet.train.latest_checkpoint(tmp_path)
    assert latest == str(tmp_path / "ckpt_3")
    again = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(2)])
    again.load_weights(latest)
    for a, b in zip(again.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_initial_state_positional_as_keras_orders_it():
    """Keras's ``RNN.call(sequences, initial_state=None, mask=None, training=False)``:
    ``lstm(x, [h, c])`` passes the states, in a graph and eagerly."""
    glassnet.utils.set_random_seed(27)
    lstm = layers.LSTM(3, return_sequences=True)
    x = np.random.default_rng(27).standard_normal((2, 4, 2)).astype("float32")
    h = c = np.full((2, 3), 0.5, np.float32)
    np.testing.assert_allclose(np.asarray(lstm(x, [h, c])),
                               np.asarray(lstm(x, initial_state=[h, c])))
    assert not np.allclose(np.asarray(lstm(x, [h, c])), np.asarray(lstm(x)))
    inputs, h_in, c_in = keras.Input((None, 2)), keras.Input((3,)), keras.Input((3,))
    model = keras.Model([inputs, h_in, c_in], lstm(inputs, [h_in, c_in]))
    np.testing.assert_allclose(model.predict([x, h, c], verbose=0),
                               np.asarray(lstm(x, initial_state=[h, c])), rtol=1e-6)


def test_bidirectional_initial_state_is_refused_not_ignored():
    inputs, h = keras.Input((None, 3)), keras.Input((2,))
    with pytest.raises(NotImplementedError, match="go_backwards=True"):
        layers.Bidirectional(layers.GRU(2))(inputs, initial_state=[h, h])


def test_sample_weight_shapes_for_sequence_outputs():
    """fit takes a weight per step (batch, T) for a sequence output, as Keras 3; a weight
    array of any other shape names both forms."""
    glassnet.utils.set_random_seed(28)
    model, kw, (x, y) = M.masked_steps(glassnet)
    model.compile("sgd", **kw)
    model.fit(x, y, sample_weight=np.ones(y.shape), epochs=1, verbose=0)
    with pytest.raises(InputError, match=r"one per step, shape \(6, steps\)"):
        model.fit(x, y, sample_weight=np.ones((6, 3)), epochs=1, verbose=0)
