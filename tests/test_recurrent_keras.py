"""Recurrent layers against Keras 3.15: the same weights and inputs give the same outputs.

Keras -> glassnet: models that real Keras (torch backend) wrote with
``tests/keras_reference/make_rnn_files.py`` (SimpleRNN, LSTM, GRU, Bidirectional, masks from
``Embedding(mask_zero=True)``, ``go_backwards``, sequences of any length), packed in
``tests/data/keras_files/rnn_files.tar.xz`` with the inputs and Keras's predictions. glassnet
loads each ``.keras`` and ``.h5`` file, and also builds the same model in code and takes
Keras's weights with ``set_weights``; all must predict what Keras predicted.

glassnet -> Keras: when the throwaway Keras venv of /work/notes/KENV.md exists, Keras loads
the files glassnet writes and predicts the same (skipped without it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from archives import unpack

import glassnet
from glassnet import layers as L

pytest.importorskip("h5py")

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "keras_reference"))
import rnn_state_models as M  # noqa: E402

ARCHIVE = HERE / "data" / "keras_files" / "rnn_files.tar.xz"
KERAS_PYTHON = os.environ.get("GLASSNET_KERAS_PYTHON", "/work/kenv/bin/python")
RTOL, ATOL = 1e-5, 2e-6  # float32 rounding


def text_input():
    return glassnet.Input(shape=(None,), dtype="int32")


# the models of make_rnn_files.py, written with glassnet
BUILDERS = {
    "simple_rnn": lambda: [text_input(), L.Embedding(12, 4, mask_zero=True),
                           L.SimpleRNN(5, return_sequences=True),
                           L.SimpleRNN(3, go_backwards=True), L.Dense(2)],
    "lstm": lambda: [text_input(), L.Embedding(12, 4, mask_zero=True),
                     L.LSTM(5, return_sequences=True), L.LSTM(3, go_backwards=True),
                     L.Dense(1, activation="sigmoid")],
    "gru": lambda: [text_input(), L.Embedding(12, 4, mask_zero=True),
                    L.GRU(5, return_sequences=True, go_backwards=True), L.GRU(3), L.Dense(2)],
    "bidirectional": lambda: [text_input(), L.Embedding(12, 4, mask_zero=True),
                              L.Bidirectional(L.LSTM(4, return_sequences=True)),
                              L.Bidirectional(L.GRU(3), merge_mode="sum"), L.Dense(2)],
    "unmasked_sequences": lambda: [glassnet.Input(shape=(None, 3)),
                                   L.LSTM(4, return_sequences=True),
                                   L.GlobalAveragePooling1D(), L.Dense(1)],
    "masked_pooling": lambda: [text_input(), L.Embedding(12, 4, mask_zero=True),
                               L.GlobalAveragePooling1D(), L.Dense(2)],
    "masking": lambda: [glassnet.Input(shape=(None, 3)), L.Masking(0.0),
                        L.GRU(4, return_sequences=True), L.SimpleRNN(2), L.Dense(1)],
}


def functional_masked():
    inputs = text_input()
    h = L.Embedding(12, 4, mask_zero=True)(inputs)
    h = L.Dropout(0.2)(L.LSTM(3, return_sequences=True)(h))
    return glassnet.Model(inputs, L.Dense(1)(L.Bidirectional(L.GRU(2))(h)))


def build(name: str):
    return functional_masked() if name == "functional_masked" else \
        glassnet.Sequential(BUILDERS[name]())


NAMES = [*BUILDERS, "functional_masked"]


@pytest.fixture(scope="module")
def keras_dir(tmp_path_factory) -> Path:
    return unpack(ARCHIVE, tmp_path_factory.mktemp("rnn_files"))


def reference(folder: Path, name: str):
    data = np.load(folder / f"{name}.npz")
    weights = [data[f"w{i}"] for i in range(sum(k.startswith("w") for k in data.files))]
    return data["x"], data["y0"], weights


@pytest.mark.parametrize("name", NAMES)
def test_same_weights_same_outputs_as_keras(keras_dir, name):
    x, y, weights = reference(keras_dir, name)
    model = build(name)
    model.set_weights(weights)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("name", NAMES)
def test_keras_file_predicts_as_keras(keras_dir, name, suffix):
    """Every file, and a functional graph whose mask Keras wrote as a NotEqual node passed
    to the RNNs as mask= (glassnet drops both and masks from the Embedding itself)."""
    x, y, _ = reference(keras_dir, name)
    model = glassnet.models.load_model(keras_dir / f"{name}{suffix}")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=RTOL, atol=ATOL)
    if name == "bidirectional":
        wrapper = model.layers[1]
        assert wrapper.forward_layer.name.startswith("forward_lstm")
        assert wrapper.backward_layer.go_backwards


def test_keras_weights_load_into_a_model_built_in_code(keras_dir, tmp_path):
    x, y, _ = reference(keras_dir, "bidirectional")
    model = glassnet.Sequential(BUILDERS["bidirectional"]())
    keras_model = glassnet.models.load_model(keras_dir / "bidirectional.keras")
    keras_model.save_weights(tmp_path / "w.weights.h5")  # Keras's layout, both ways
    model.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=RTOL, atol=ATOL)


CHECK = """
import json, sys, numpy as np, keras
out = {}
for name in sys.argv[1:]:
    data = np.load(name + ".npz")
    for suffix in (".keras", ".h5"):
        model = keras.models.load_model(name + suffix)
        got = np.asarray(model.predict(data["x"], verbose=0))
        out[name + suffix] = float(np.abs(got - data["y"]).max())
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.path.exists(KERAS_PYTHON),
                    reason=f"no Keras venv at {KERAS_PYTHON} (see /work/notes/KENV.md)")
def test_glassnet_files_load_in_keras(tmp_path):
    """Keras 3 loads the .keras and .h5 files glassnet writes and predicts the same (and
    rnn_state_models.cells_and_states: initial_state nodes, RNN cells, stacked cells)."""
    names = []
    for name in [*NAMES, "cells_and_states"]:
        glassnet.utils.set_random_seed(len(names))
        model = M.cells_and_states(glassnet) if name == "cells_and_states" else build(name)
        rng = np.random.default_rng(len(names))
        model.set_weights([rng.normal(0, 0.5, w.shape) for w in model.get_weights()])
        x = np.random.default_rng(1).integers(0, 12, (4, 6))
        if name in ("unmasked_sequences", "masking", "cells_and_states"):
            x = rng.normal(size=(3, 5, 3))
        x[0, :2] = 0
        path = tmp_path / name
        np.savez(f"{path}.npz", x=x, y=model.predict(x, verbose=0))
        model.save(f"{path}.keras")
        model.save(f"{path}.h5")
        names.append(str(path))
    env = {**os.environ, "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    done = subprocess.run([KERAS_PYTHON, "-c", CHECK, *names], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    errors = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(errors) == 2 * len(NAMES) + 2
    assert max(errors.values()) < 1e-5, errors
