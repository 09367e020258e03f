"""Keras-written files with the common layers (tests/keras_reference/make_layers2_files.py):
glassnet loads each ``.keras`` file and predicts what Keras predicted, and the same weights
set into the model built in glassnet code give the same outputs."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from archives import unpack

import glassnet
from glassnet import layers as L

ARCHIVE = Path(__file__).parent / "data" / "keras_files" / "layers2_files.tar.xz"
RTOL, ATOL = 1e-4, 1e-5
KERAS_PYTHON = os.environ.get("GLASSNET_KERAS_PYTHON", "/work/kenv/bin/python")  # KENV.md

BUILDERS = {
    "layer_norm": lambda: [L.Input((3, 5)), L.LayerNormalization(), L.Dense(4),
                           L.LayerNormalization(axis=[1, 2], epsilon=1e-5), L.Flatten(),
                           L.Dense(2)],
    "noise": lambda: [L.Input((4, 4, 3)), L.GaussianNoise(0.3), L.SpatialDropout2D(0.2),
                      L.Conv2D(2, 3), L.Reshape((4, 2)), L.SpatialDropout1D(0.2), L.Flatten(),
                      L.Dense(5), L.GaussianDropout(0.2), L.AlphaDropout(0.1), L.Dense(2)],
    "sequence": lambda: [L.Input((5, 3)), L.ZeroPadding1D((1, 2)), L.Conv1D(4, 3),
                         L.Cropping1D((1, 0)), L.UpSampling1D(2),
                         L.ActivityRegularization(l1=0.01, l2=0.02), L.Flatten(), L.Dense(2)],
    "dot": lambda: _dot(),
    "time_distributed": lambda: [L.Input((3, 6, 6, 1)), L.TimeDistributed(L.Conv2D(2, 3)),
                                 L.TimeDistributed(L.Flatten()),
                                 L.TimeDistributed(L.Dense(4, activation="tanh")), L.LSTM(3),
                                 L.Dense(2)],
    "resizing": lambda: _resizing(),
}


def _dot():
    a, b = L.Input((4,)), L.Input((3, 4))
    h = L.Dense(4)(a)
    scores = L.Dot(axes=(1, 2))([h, b])
    cosine = L.Dot(axes=1, normalize=True)([h, a])
    return glassnet.Model([a, b], L.Dense(2)(L.Concatenate()([scores, cosine])))


def _resizing():
    a = L.Input((7, 9, 2))
    outs = [L.Resizing(4, 5)(a), L.Resizing(11, 6, interpolation="nearest")(a),
            L.Resizing(5, 5, crop_to_aspect_ratio=True)(a), L.CenterCrop(4, 6)(a),
            L.CenterCrop(9, 4)(a)]
    return glassnet.Model(a, L.Concatenate()([L.Flatten()(t) for t in outs]))


def build(name: str):
    made = BUILDERS[name]()
    return made if isinstance(made, glassnet.Model) else glassnet.Sequential(made)


@pytest.fixture(scope="module")
def keras_dir(tmp_path_factory) -> Path:
    return unpack(ARCHIVE, tmp_path_factory.mktemp("layers2_files"))


def reference(folder: Path, name: str):
    data = np.load(folder / f"{name}.npz")
    weights = [data[f"w{i}"] for i in range(sum(k.startswith("w") for k in data.files))]
    x = data["x"] if "x" in data.files else [data["x0"], data["x1"]]
    return x, data["y0"], weights


@pytest.mark.parametrize("name", BUILDERS)
def test_keras_file_predicts_as_keras(keras_dir, name):
    x, y, _ = reference(keras_dir, name)
    model = glassnet.models.load_model(keras_dir / f"{name}.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", BUILDERS)
def test_same_weights_same_outputs_as_keras(keras_dir, name):
    x, y, weights = reference(keras_dir, name)
    model = build(name)
    model.set_weights(weights)
    np.testing.assert_allclose(model.predict(x, verbose=0), y, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", BUILDERS)
def test_glassnet_keras_file_round_trip(keras_dir, name, tmp_path):
    """glassnet writes Keras's format for these layers, and reads it back."""
    x, y, _ = reference(keras_dir, name)
    model = glassnet.models.load_model(keras_dir / f"{name}.keras")
    model.save(tmp_path / "again.keras")
    again = glassnet.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), y, rtol=RTOL, atol=ATOL)


CHECK = """
import json, sys, numpy as np, keras
out = {}
for name in sys.argv[1:]:
    data = np.load(name + ".npz")
    x = data["x"] if "x" in data.files else [data["x0"], data["x1"]]
    model = keras.models.load_model(name + ".keras")
    out[name] = float(np.abs(np.asarray(model.predict(x, verbose=0)) - data["y"]).max())
print(json.dumps(out))
"""


@pytest.mark.skipif(not os.path.exists(KERAS_PYTHON),
                    reason=f"no Keras venv at {KERAS_PYTHON} (see /work/notes/KENV.md)")
def test_glassnet_files_load_in_keras(keras_dir, tmp_path):
    """Keras 3 loads the .keras files glassnet writes for these layers and predicts the
    same (e.g. SpatialDropout's config without ``trainable``, which Keras refuses)."""
    paths = []
    for name in BUILDERS:
        x, _, weights = reference(keras_dir, name)
        model = build(name)
        model.set_weights(weights)
        path = str(tmp_path / name)
        xs = {"x": x} if not isinstance(x, list) else {"x0": x[0], "x1": x[1]}
        np.savez(f"{path}.npz", y=model.predict(x, verbose=0), **xs)
        model.save(f"{path}.keras")
        paths.append(path)
    env = {**os.environ, "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    done = subprocess.run([KERAS_PYTHON, "-c", CHECK, *paths], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    errors = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(errors) == len(BUILDERS) and max(errors.values()) < 1e-5, errors
