"""Models with attention layers in files: Keras 3's .keras and .h5 (written by
tests/keras_reference/make_attention_files.py) load into glassnet and predict what Keras
predicted, and glassnet's own files round-trip, call options included."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from archives import unpack

import glassnet as tf
from glassnet import layers

ARCHIVE = Path(__file__).parent / "data" / "keras_files" / "attention_files.tar.xz"
KERAS_PYTHON = os.environ.get("GLASSNET_KERAS_PYTHON", "/work/kenv/bin/python")
# run by KERAS_PYTHON: load each file with Keras 3, predict, print the largest differences
KERAS_CHECK = """
import json, sys
import keras, numpy as np
ref = np.load(sys.argv[1] + "/ref.npz")
out = {}
for name in ("m.keras", "m.h5"):
    model = keras.models.load_model(sys.argv[1] + "/" + name)
    ys = model.predict([ref["x0"], ref["x1"], ref["x2"]], verbose=0)
    out[name] = [float(np.abs(y - ref[f"y{i}"]).max()) for i, y in enumerate(ys)]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return unpack(ARCHIVE, tmp_path_factory.mktemp("attention_files"))


@pytest.mark.parametrize("name", ["attention.keras", "attention.h5"])
def test_keras_files_predict_as_keras(files, name):
    pytest.importorskip("h5py")
    ref = np.load(files / "attention.npz")
    model = tf.keras.models.load_model(files / name, compile=False)
    y0, y1 = model.predict([ref["x0"], ref["x1"], ref["x2"]], verbose=0)
    np.testing.assert_allclose(y0, ref["y0"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(y1, ref["y1"], rtol=1e-4, atol=1e-6)
    cross = model.get_layer("cross_attention")
    assert cross.call_kwargs == {"key": True, "attention_mask": True,
                                 "return_attention_scores": True}
    assert model.get_layer("self_attention").call_kwargs == {"use_causal_mask": True}
    # Keras's parameter counts: 3·(8·2·4 + 2·4) + 2·4·8 + 8 for the self-attention
    assert model.get_layer("self_attention").count_params() == 3 * (64 + 8) + 64 + 8


def _model():
    tokens = tf.Input((5,), dtype="int32")
    context = tf.Input((3, 4))
    e = layers.Embedding(9, 6, mask_zero=True)(tokens)
    a = layers.MultiHeadAttention(2, 3, name="self_attention")(e, e, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([e, a]))
    b, p = layers.MultiHeadAttention(1, 2, name="cross")(x, context,
                                                           return_attention_scores=True)
    d = layers.Attention(score_mode="concat")([b, b, x])
    f = layers.AdditiveAttention(name="additive")([d, x], use_causal_mask=True)
    out = layers.Dense(2)(layers.GlobalAveragePooling1D()(f))
    return tf.Model([tokens, context], [out, p])


@pytest.mark.parametrize("suffix", [".keras", ".h5", ".glassnet"])
def test_glassnet_files_round_trip(tmp_path, suffix):
    if suffix != ".glassnet":
        pytest.importorskip("h5py")
    rng = np.random.default_rng(0)
    model = _model()
    model.compile("adam", ["mse", None])
    x = [np.array([[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]]), rng.standard_normal((2, 3, 4))]
    want = model.predict(x, verbose=0)
    model.save(tmp_path / f"m{suffix}")
    again = tf.keras.models.load_model(tmp_path / f"m{suffix}")
    for got, w in zip(again.predict(x, verbose=0), want):
        np.testing.assert_allclose(got, w, rtol=1e-6, atol=1e-7)
    assert again.get_layer("self_attention").call_kwargs == {"use_causal_mask": True}
    assert again.get_layer("additive").call_kwargs == {"use_causal_mask": True}
    assert again.count_params() == model.count_params()


def _three_input_model():
    tokens, context = tf.Input((5,), dtype="int32"), tf.Input((3, 4))
    allowed = tf.Input((5, 3), dtype="bool")
    e = layers.Embedding(9, 6, mask_zero=True)(tokens)
    a = layers.MultiHeadAttention(2, 3)(e, e, use_causal_mask=True)
    x = layers.LayerNormalization()(layers.Add()([e, a]))
    k = layers.Dense(5)(context)
    b, p = layers.MultiHeadAttention(1, 2)(x, context, key=k, attention_mask=allowed,
                                           return_attention_scores=True)
    d = layers.Attention(score_mode="concat", use_scale=True)([context, context])
    f = layers.AdditiveAttention()([d, context, context], use_causal_mask=True)
    pooled = [layers.GlobalAveragePooling1D()(b), layers.GlobalAveragePooling1D()(f)]
    return tf.Model([tokens, context, allowed], [layers.Dense(2)(layers.Concatenate()(pooled)),
                                                 p])


@pytest.mark.skipif(not os.path.exists(KERAS_PYTHON),
                    reason=f"no Keras venv at {KERAS_PYTHON} (set GLASSNET_KERAS_PYTHON)")
def test_glassnet_files_load_in_keras_venv(tmp_path):
    """Keras 3 reads glassnet's .keras and .h5 of a model with every kind of attention call
    (key, attention_mask input, causal masks, scores) and predicts the same."""
    pytest.importorskip("h5py")
    rng = np.random.default_rng(1)
    model = _three_input_model()
    for w in model.weights:
        w.assign(rng.standard_normal(w.shape) * 0.5 + w.name.endswith("gamma"))
    x = [rng.integers(1, 9, (2, 5)), rng.standard_normal((2, 3, 4)), rng.random((2, 5, 3)) > 0.2]
    x[2][:, :, 0] = True
    ys = model.predict(x, verbose=0)
    np.savez(tmp_path / "ref.npz", x0=x[0], x1=x[1], x2=x[2], y0=ys[0], y1=ys[1])
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    env = {**os.environ, "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    done = subprocess.run([KERAS_PYTHON, "-c", KERAS_CHECK, str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    errors = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(errors) == {"m.keras", "m.h5"}
    for name, errs in errors.items():
        assert max(errs) < 1e-5, (name, errs)


def test_summary_shows_keras_parameter_counts(capsys):
    inp = tf.Input((5, 8))
    y = layers.MultiHeadAttention(2, 4, name="mha")(inp, inp)
    tf.Model(inp, y).summary()
    out = capsys.readouterr().out
    assert "288" in out  # Keras 3.15 prints 288 for MultiHeadAttention(2, 4) on 8 features


def test_checkpoint_saves_the_weights_of_layers_made_of_parts(tmp_path):
    """tf.train.Checkpoint: MultiHeadAttention's weights are its projections' (and
    Bidirectional's its two layers'), saved under their attributes and restored."""
    def make():
        inp = tf.Input((4, 6))
        a = layers.MultiHeadAttention(2, 3)(inp, inp)
        b = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(a)
        return tf.Model(inp, layers.Dense(2)(b))

    model, again = make(), make()
    x = np.random.default_rng(0).standard_normal((2, 4, 6)).astype(np.float32)
    path = tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
    status = tf.train.Checkpoint(model=again).restore(path)
    status.assert_consumed()
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
