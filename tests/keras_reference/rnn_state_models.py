"""Models for the recurrent cross-checks, written once for Keras and for glassnet.

Each function takes the library (``keras``, or ``glassnet`` whose Keras API is the same)
and returns ``(model, compile arguments, data)``. ``make_rnn_state_refs.py`` runs them in
Keras 3 and ``tests/test_recurrent_state.py`` in glassnet, so the two can never drift.
The data come from a NumPy generator seeded per model.
"""

from __future__ import annotations

import numpy as np


def tokens(rng, n: int, T: int, vocab: int) -> np.ndarray:
    """Padded token ids: pre-padding, post-padding, a hole, and one all-padding row."""
    x = rng.integers(1, vocab, size=(n, T))
    x[0, :2] = 0
    x[1, -3:] = 0
    x[2, 2] = 0
    x[3, :] = 0
    return x


def seq2seq(K):
    """keras.io's lstm_seq2seq: the decoder LSTM starts from the encoder's [h, c]."""
    L = K.layers
    rng = np.random.default_rng(1)
    enc_in, dec_in = K.Input(shape=(None, 4)), K.Input(shape=(None, 3))
    _, h, c = L.LSTM(5, return_state=True)(enc_in)
    seq, _, _ = L.LSTM(5, return_sequences=True, return_state=True)(dec_in, initial_state=[h, c])
    out = L.Dense(3, activation="softmax")(seq)
    model = K.Model([enc_in, dec_in], out)
    x = [rng.normal(size=(6, 5, 4)), np.eye(3)[rng.integers(0, 3, (6, 4))]]
    y = np.eye(3)[rng.integers(0, 3, (6, 4))]
    return model, {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}, (x, y)


def gru_states(K):
    """GRU(return_state) whose state, through a Dense, starts a GRU(reset_after=False)."""
    L = K.layers
    rng = np.random.default_rng(2)
    inputs = K.Input(shape=(None, 3))
    seq, h = L.GRU(4, return_sequences=True, return_state=True)(inputs)
    h0 = L.Dense(3, activation="tanh")(h)
    last = L.GRU(3, reset_after=False)(seq, initial_state=h0)
    model = K.Model(inputs, L.Dense(2)(last))
    return model, {"loss": "mse"}, (rng.normal(size=(5, 6, 3)), rng.normal(size=(5, 2)))


def masked_steps(K):
    """A tagger: Embedding(mask_zero) -> LSTM(return_sequences) -> TimeDistributed(Dense):
    the loss and accuracy count the unmasked steps only."""
    L = K.layers
    rng = np.random.default_rng(3)
    model = K.Sequential([K.Input(shape=(None,), dtype="int32"),
                          L.Embedding(10, 4, mask_zero=True),
                          L.LSTM(5, return_sequences=True),
                          L.TimeDistributed(L.Dense(6, activation="softmax"))])
    x = tokens(rng, 6, 7, 10)
    return model, {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}, \
        (x, rng.integers(0, 6, (6, 7)))


def masked_logits(K):
    """Dense on the 3-D output of a masked GRU, logits and sparse labels (Keras 3's text
    generation tutorials)."""
    L = K.layers
    rng = np.random.default_rng(4)
    model = K.Sequential([K.Input(shape=(None,), dtype="int32"),
                          L.Embedding(8, 3, mask_zero=True),
                          L.GRU(4, return_sequences=True), L.Dense(8)])
    loss = K.losses.SparseCategoricalCrossentropy(from_logits=True)
    return model, {"loss": loss, "metrics": ["accuracy"]}, \
        (tokens(rng, 6, 5, 8), rng.integers(0, 8, (6, 5)))


def unmasked_steps(K):
    """Per-step one-hot targets without a mask: every step counts (batch·T rows)."""
    L = K.layers
    rng = np.random.default_rng(5)
    model = K.Sequential([K.Input(shape=(None, 2)), L.SimpleRNN(4, return_sequences=True),
                          L.Dense(3, activation="softmax")])
    return model, {"loss": "categorical_crossentropy", "metrics": ["accuracy"]}, \
        (rng.normal(size=(5, 4, 2)), np.eye(3)[rng.integers(0, 3, (5, 4))])


def cells(K):
    """RNN(cell) and RNN([cells]) (StackedRNNCells), with GRUCell(reset_after=False)."""
    L = K.layers
    rng = np.random.default_rng(6)
    model = K.Sequential([
        K.Input(shape=(None, 3)),
        L.RNN([L.LSTMCell(4), L.GRUCell(3, reset_after=False), L.SimpleRNNCell(2)],
              return_sequences=True),
        L.RNN(L.GRUCell(3), go_backwards=True), L.Dense(1)])
    return model, {"loss": "mse"}, (rng.normal(size=(5, 6, 3)), rng.normal(size=(5, 1)))


def pooled_text(K):
    """The two small text classifiers: Embedding(mask_zero) with GlobalAveragePooling1D
    (masked mean) beside Conv1D with GlobalMaxPooling1D."""
    L = K.layers
    rng = np.random.default_rng(7)
    inputs = K.Input(shape=(7,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)(inputs)
    mean = L.GlobalAveragePooling1D()(e)
    peak = L.GlobalMaxPooling1D()(L.Conv1D(3, 3, activation="relu")(e))
    out = L.Dense(1, activation="sigmoid")(L.Concatenate()([mean, peak]))
    model = K.Model(inputs, out)
    x = tokens(rng, 6, 7, 10)
    x[3, 4] = 5  # no all-padding row: Keras's masked mean of nothing is NaN
    return model, {"loss": "binary_crossentropy", "metrics": ["accuracy"]}, \
        (x, rng.integers(0, 2, (6, 1)).astype("float32"))


def bidirectional_tagger(K):
    """A tagger with Bidirectional(LSTM(return_sequences)) under a mask, Dropout and
    TimeDistributed(Dense) after it, trained with a weight per step, shape (batch, T).
    (Keras 3.15 on torch fails on per-sample weights, shape (batch,), for a masked sequence
    output: "output with shape [6] doesn't match the broadcast shape [6, 6]".)"""
    L = K.layers
    rng = np.random.default_rng(11)
    model = K.Sequential([K.Input(shape=(None,), dtype="int32"),
                          L.Embedding(10, 4, mask_zero=True),
                          L.Bidirectional(L.LSTM(3, return_sequences=True)),
                          L.Dropout(0.0),
                          L.TimeDistributed(L.Dense(4, activation="softmax"))])
    return model, {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]}, \
        (tokens(rng, 6, 6, 10), rng.integers(0, 4, (6, 6)))


def bidirectional_cells(K):
    """Bidirectional around a stack of cells (its weights in the cells of both copies)."""
    L = K.layers
    rng = np.random.default_rng(12)
    model = K.Sequential([K.Input(shape=(None, 2)),
                          L.Bidirectional(L.RNN([L.GRUCell(3, reset_after=False),
                                                 L.SimpleRNNCell(2)])),
                          L.Dense(1)])
    return model, {"loss": "mse"}, (rng.normal(size=(5, 4, 2)), rng.normal(size=(5, 1)))


#: sample weights for the models that take them in fit (per step: shape (batch, T))
SAMPLE_WEIGHTS = {"bidirectional_tagger": np.linspace(0.2, 2.0, 36).reshape(6, 6)}

TRAINED = [seq2seq, gru_states, masked_steps, masked_logits, unmasked_steps, cells,
           pooled_text, bidirectional_tagger, bidirectional_cells]


def stateful(K):
    """LSTM(stateful=True): each batch goes on from the last one's states until reset."""
    L = K.layers
    rng = np.random.default_rng(8)
    model = K.Sequential([K.Input(batch_shape=(2, None, 3)),
                          L.LSTM(4, stateful=True, return_sequences=True),
                          L.GRU(2, stateful=True), L.Dense(1)])
    return model, rng.normal(size=(3, 2, 4, 3))  # three batches of 2 sequences


def states_out(K):
    """return_state of each kind: LSTM [y, h, c], GRU and SimpleRNN [y, h], go_backwards,
    a mask; and a stack of cells (Keras nests the states per cell; glassnet flat)."""
    L = K.layers
    rng = np.random.default_rng(9)
    inputs = K.Input(shape=(None,), dtype="int32")
    e = L.Embedding(9, 3, mask_zero=True)(inputs)
    outs = [*L.LSTM(4, return_state=True)(e),
            *L.GRU(3, return_state=True, go_backwards=True, reset_after=False)(e),
            *L.SimpleRNN(2, return_state=True, return_sequences=True)(e)]
    stacked = L.RNN([L.LSTMCell(2), L.GRUCell(2)], return_state=True)(e)
    outs += [stacked[0], *stacked[1], stacked[2]] if isinstance(stacked[1], (list, tuple)) \
        else list(stacked)
    return K.Model(inputs, outs), tokens(rng, 5, 6, 9)


def cell_steps(K):
    """Cells called by hand, ``output, states = cell(x_t, states)``, two steps each (the
    TensorFlow 2 handbook's loop): LSTMCell, GRUCell both ways, SimpleRNNCell."""
    L = K.layers
    rng = np.random.default_rng(10)
    cells = [L.LSTMCell(3), L.GRUCell(3), L.GRUCell(3, reset_after=False), L.SimpleRNNCell(3)]
    xs = rng.normal(size=(2, 4, 2)).astype("float32")  # two steps of a batch of 4
    h0 = rng.normal(size=(4, 3)).astype("float32")
    return cells, xs, h0


def cells_and_states(K):
    """A GRU's state starting a stack of cells (one state through a Dense), then
    RNN(SimpleRNNCell): initial_state nodes and cells in a saved file."""
    L = K.layers
    inputs = K.Input(shape=(None, 3))
    seq, h = L.GRU(4, return_sequences=True, return_state=True)(inputs)
    stacked = L.RNN([L.LSTMCell(4), L.GRUCell(3, reset_after=False)],
                    return_sequences=True)(seq, initial_state=[h, h, L.Dense(3)(h)])
    return K.Model(inputs, L.Dense(2)(L.RNN(L.SimpleRNNCell(2))(stacked)))
