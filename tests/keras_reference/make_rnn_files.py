"""Write the real Keras files of recurrent models that tests/test_recurrent_keras.py loads.

Run with Keras 3 (the throwaway venv of /work/notes/KENV.md), from the repository root:

    KERAS_BACKEND=torch OMP_NUM_THREADS=1 /work/kenv/bin/python \
        tests/keras_reference/make_rnn_files.py

For each model it writes <name>.keras, <name>.h5 (Keras's legacy whole-model file) and
<name>.npz with the inputs ``x``, the predictions ``y0`` Keras computed, and every weight
``w0``, ``w1``, ... in ``model.get_weights()`` order (so a test can also build the model
in glassnet code and set them). Packed into tests/data/keras_files/rnn_files.tar.xz.
Weights are drawn from NumPy (seed 0), so that a wrong gate order shows. The inputs are
padded token ids with zeros before, after and inside the sequences, so the masks of
Embedding(mask_zero=True) matter.
"""

from __future__ import annotations

import os
import tempfile

import keras
import numpy as np
from archive import pack
from keras import layers as L

ARCHIVE = os.path.join(os.path.dirname(__file__), "..", "data", "keras_files",
                       "rnn_files.tar.xz")
rng = np.random.default_rng(0)


def tokens(n: int = 5, T: int = 7, vocab: int = 12) -> np.ndarray:
    x = rng.integers(1, vocab, size=(n, T))
    x[0, :3] = 0  # pre-padding (pad_sequences' default)
    x[1, -2:] = 0  # post-padding
    x[2, 2] = 0  # a hole
    x[3, :] = 0  # all padding
    return x


def text_input():
    return keras.Input((None,), dtype="int32")


def simple_rnn():
    return keras.Sequential([text_input(), L.Embedding(12, 4, mask_zero=True),
                             L.SimpleRNN(5, return_sequences=True),
                             L.SimpleRNN(3, go_backwards=True), L.Dense(2)],
                            name="simple_rnn_net"), tokens()


def lstm():
    return keras.Sequential([text_input(), L.Embedding(12, 4, mask_zero=True),
                             L.LSTM(5, return_sequences=True), L.LSTM(3, go_backwards=True),
                             L.Dense(1, activation="sigmoid")], name="lstm_net"), tokens()


def gru():
    return keras.Sequential([text_input(), L.Embedding(12, 4, mask_zero=True),
                             L.GRU(5, return_sequences=True, go_backwards=True), L.GRU(3),
                             L.Dense(2)], name="gru_net"), tokens()


def bidirectional():
    return keras.Sequential([text_input(), L.Embedding(12, 4, mask_zero=True),
                             L.Bidirectional(L.LSTM(4, return_sequences=True)),
                             L.Bidirectional(L.GRU(3), merge_mode="sum"),
                             L.Dense(2)], name="bidirectional_net"), tokens()


def unmasked_sequences():
    """Float sequences of any length, no mask: Input(shape=(None, 3))."""
    return keras.Sequential([keras.Input((None, 3)), L.LSTM(4, return_sequences=True),
                             L.GlobalAveragePooling1D(), L.Dense(1)],
                            name="sequence_net"), rng.normal(size=(3, 6, 3))


def masked_pooling():
    return keras.Sequential([text_input(), L.Embedding(12, 4, mask_zero=True),
                             L.GlobalAveragePooling1D(), L.Dense(2)],
                            name="pooling_net"), tokens()[[0, 1, 2, 4]]


def masking():
    """Float sequences padded with zero steps, masked by Masking."""
    x = rng.normal(size=(4, 6, 3))
    x[0, :2] = 0
    x[1, -3:] = 0
    x[2, 3] = 0
    return keras.Sequential([keras.Input((None, 3)), L.Masking(0.0),
                             L.GRU(4, return_sequences=True), L.SimpleRNN(2), L.Dense(1)],
                            name="masking_net"), x


def functional_masked():
    """A functional model: Keras records the mask as a NotEqual node passed as mask=."""
    inputs = text_input()
    h = L.Embedding(12, 4, mask_zero=True)(inputs)
    h = L.Dropout(0.2)(L.LSTM(3, return_sequences=True)(h))
    outputs = L.Dense(1)(L.Bidirectional(L.GRU(2))(h))
    return keras.Model(inputs, outputs, name="functional_masked_net"), tokens()


MODELS = [simple_rnn, lstm, gru, bidirectional, unmasked_sequences, masked_pooling,
          masking, functional_masked]


def main() -> None:
    keras.utils.set_random_seed(0)
    with tempfile.TemporaryDirectory() as out:
        for make in MODELS:
            model, x = make()
            for w in model.weights:
                w.assign(rng.normal(0, 0.5, w.shape).astype("float32"))
            name = make.__name__
            y = np.asarray(model.predict(x, verbose=0))
            weights = {f"w{i}": w for i, w in enumerate(model.get_weights())}
            np.savez(os.path.join(out, f"{name}.npz"), x=x, y0=y, **weights)
            model.save(os.path.join(out, f"{name}.keras"))
            model.save(os.path.join(out, f"{name}.h5"))
            again = keras.models.load_model(os.path.join(out, f"{name}.keras"))
            np.testing.assert_allclose(again.predict(x, verbose=0), y, rtol=1e-6)
        pack(out, ARCHIVE)
    print(f"wrote {ARCHIVE} ({os.path.getsize(ARCHIVE)} bytes)")


if __name__ == "__main__":
    main()
