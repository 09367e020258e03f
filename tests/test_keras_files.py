"""Real Keras files, both ways (issue 13, item 3).

Keras -> glassnet: files that Keras 3.15 wrote (tests/keras_reference/make_keras_files.py,
packed byte for byte in tests/data/keras_files/keras_files.tar.xz) load in glassnet and
predict what Keras predicted, to float32 rounding.

glassnet -> Keras: files glassnet writes load in real Keras with the same predictions:
in this process when the ``keras`` package is importable, and with the Keras venv named
by ``GLASSNET_KERAS_PYTHON`` (default /work/kenv/bin/python) when it exists.

Bad files raise ``ModelFileError`` and leave nothing half-written.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from archives import unpack

import glassnet
from glassnet import layers as L
from glassnet import saving
from glassnet.errors import ModelFileError

h5py = pytest.importorskip("h5py")
from glassnet import keras_format  # noqa: E402 - after the skip: needs h5py

HERE = Path(__file__).parent
ARCHIVE = HERE / "data" / "keras_files" / "keras_files.tar.xz"
RNN_ARCHIVE = HERE / "data" / "keras_files" / "rnn_files.tar.xz"
RNN_STATE_ARCHIVE = HERE / "data" / "keras_files" / "rnn_state_files.tar.xz"
LAYERS2_ARCHIVE = HERE / "data" / "keras_files" / "layers2_files.tar.xz"
TEXT_ARCHIVE = HERE / "data" / "keras_files" / "text_files.tar.xz"  # test_text_preprocessing_keras
ATTENTION_ARCHIVE = HERE / "data" / "keras_files" / "attention_files.tar.xz"  # test_attention_files
CHECKER = HERE / "keras_reference" / "check_glassnet_files.py"
# a Python with Keras 3 and h5py, run with KERAS_BACKEND (default torch; numpy also works)
KERAS_PYTHON = os.environ.get("GLASSNET_KERAS_PYTHON", "/work/kenv/bin/python")
# models of the fixture archive (all layers glassnet has, between them)
MODELS = ["dense", "conv", "embedding", "normalization", "functional", "shared", "zoo_image",
          "zoo_sequence"]
WITH_H5 = ["dense", "conv", "functional", "zoo_sequence"]
# saved after 3 epochs, with the optimizer's state
TRAINED = ["trained_adam", "trained_rmsprop", "trained_schedule"]


@pytest.fixture(scope="module")
def keras_dir(tmp_path_factory) -> Path:
    return unpack(ARCHIVE, tmp_path_factory.mktemp("keras_files"))


def expected(folder: Path, name: str):
    data = np.load(folder / f"{name}.npz")
    return data["x"], [data[k] for k in sorted(data.files) if k.startswith("y")]


def predictions(model, x) -> list[np.ndarray]:
    """As a list; several inputs come stacked in ``x`` and dict outputs sorted by key."""
    out = model.predict(list(x) if len(model.inputs) > 1 else x, verbose=0)
    if isinstance(out, dict):
        return [out[k] for k in sorted(out)]
    return out if isinstance(out, list) else [out]


def assert_same(got, want) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=2e-6)


# -- Keras -> glassnet ---------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_keras_file_predicts_as_keras(keras_dir, name, tmp_path):
    model = glassnet.models.load_model(keras_dir / f"{name}.keras")
    x, want = expected(keras_dir, name)
    assert_same(predictions(model, x), want)
    for again in ("again.keras", "again.h5", "again.glassnet"):  # and saves again
        model.save(tmp_path / again)
        assert_same(predictions(glassnet.models.load_model(tmp_path / again), x), want)


@pytest.mark.parametrize("name", WITH_H5)
def test_legacy_h5_model_predicts_as_keras(keras_dir, name):
    model = glassnet.models.load_model(keras_dir / f"{name}.h5")
    x, want = expected(keras_dir, name)
    assert_same(predictions(model, x), want)


@pytest.mark.parametrize("name", WITH_H5)
@pytest.mark.parametrize("suffix", [".weights.h5", "_legacy_weights.h5", ".keras"])
def test_load_weights_from_keras_into_model_built_in_code(keras_dir, name, suffix):
    """The model is built by glassnet code (BUILDERS), not from the file: only the
    weight layout connects the two."""
    model = BUILDERS[name]()
    x, want = expected(keras_dir, name)
    model.load_weights(keras_dir / f"{name}{suffix}")
    assert_same(predictions(model, x), want)


def test_compile_settings_come_back(keras_dir):
    for ext in ("keras", "h5"):
        model = glassnet.models.load_model(keras_dir / f"dense.{ext}")
        assert type(model.optimizer).__name__ == "Adam"
        assert model.optimizer.learning_rate == pytest.approx(0.01)
        settings = model.compiled.get_config(model)
        assert settings["loss"]["name"] == "sparse_categorical_crossentropy"
        assert settings["metrics"] == ["accuracy"]
    model = glassnet.models.load_model(keras_dir / "functional.keras")
    assert model.output_names == ["label", "score"]
    assert model.compiled.get_config(model)["loss"]["score"]["name"] == "mean_squared_error"
    assert glassnet.models.load_model(keras_dir / "embedding.keras").optimizer is None
    assert glassnet.models.load_model(keras_dir / "dense.keras", compile=False).optimizer is None


@pytest.mark.parametrize("name", TRAINED)
def test_training_resumes_from_keras_optimizer_state(keras_dir, name):
    """Keras trained 3 epochs and saved; one more epoch in glassnet, from Adam's (RMSprop's)
    moments and step count in the file, lands where Keras's next epoch landed."""
    data = np.load(keras_dir / f"{name}.npz")
    model = glassnet.models.load_model(keras_dir / f"{name}.keras")
    assert model.optimizer.iterations == 6
    model.fit(data["x"], data["fit_y"], epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert_same(predictions(model, data["x"]), [data["after"]])
    fresh = glassnet.models.load_model(keras_dir / f"{name}.keras")
    settings = {k: v for k, v in fresh.optimizer.get_config().items() if k != "name"}
    if fresh.optimizer.schedule is not None:
        settings["learning_rate"] = fresh.optimizer.schedule
    fresh.compile(type(fresh.optimizer)(**settings), "sparse_categorical_crossentropy")
    fresh.fit(data["x"], data["fit_y"], epochs=1, batch_size=8, shuffle=False, verbose=0)
    assert np.abs(predictions(fresh, data["x"])[0] - data["after"]).max() > 1e-4  # it matters


def test_loaded_model_trains(keras_dir):
    model = glassnet.models.load_model(keras_dir / "dense.keras")
    x = np.random.default_rng(0).normal(size=(16, 6)).astype("float32")
    history = model.fit(x, np.arange(16) % 3, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_keras_layer_order_is_keras_own(keras_dir):
    """Keras orders a functional model's layers by depth; config.json lists them in that
    order, and the weight groups follow it."""
    with zipfile.ZipFile(keras_dir / "functional.keras") as zf:
        config = json.loads(zf.read("config.json"))
    listed = [entry["name"] for entry in config["config"]["layers"]]
    model = glassnet.models.load_model(keras_dir / "functional.keras")
    assert [la.name for la in keras_format.keras_layers(model)] == listed
    built = BUILDERS["functional"]()  # built in code: the same order, by the same rule
    assert [type(la).__name__ for la in keras_format.keras_layers(built)] == \
        [entry["class_name"] for entry in config["config"]["layers"]]


def test_lambda_layer_is_refused(keras_dir):
    with pytest.raises(ModelFileError, match=r"Lambda.*never runs code"):
        glassnet.models.load_model(keras_dir / "lambda_layer.keras")


def test_unknown_layer_is_named_with_the_fix(keras_dir, monkeypatch):
    # the fixture's LayerNormalization is a layer glassnet lacked when it was written
    monkeypatch.delitem(saving.LAYERS, "LayerNormalization")
    with pytest.raises(ModelFileError) as info:
        glassnet.models.load_model(keras_dir / "unknown_layer.keras")
    message = str(info.value)
    assert "LayerNormalization" in message and "'layer_normalization'" in message
    assert "custom_objects" in message and "Dense" in message


def test_every_glassnet_layer_is_covered(keras_dir):
    """Each layer glassnet has appears in a Keras-written fixture (a new layer must be added
    to tests/keras_reference/make_keras_files.py and BUILDERS below)."""
    seen = set()

    def walk(entry):
        seen.add(entry["class_name"])
        config = entry["config"] if isinstance(entry["config"], dict) else {}
        cell = config.get("cell")  # an RNN's cell (StackedRNNCells: its cells)
        for child in [*config.get("layers", []), *config.get("cells", []),
                      *([cell] if isinstance(cell, dict) else [])]:
            walk(child)
    for name in MODELS:
        with zipfile.ZipFile(keras_dir / f"{name}.keras") as zf:
            walk(json.loads(zf.read("config.json")))
    with tarfile.open(RNN_ARCHIVE) as tar:  # the recurrent layers: test_recurrent_keras.py
        for member in tar.getmembers():
            if member.name.endswith(".keras"):
                with zipfile.ZipFile(io.BytesIO(tar.extractfile(member).read())) as zf:
                    walk(json.loads(zf.read("config.json")))
    # the common layers (test_layers2_keras.py), the cells (test_recurrent_state.py), the
    # text and category preprocessing layers (test_text_preprocessing_keras.py), attention
    for archive in (LAYERS2_ARCHIVE, RNN_STATE_ARCHIVE, TEXT_ARCHIVE, ATTENTION_ARCHIVE):
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                if member.name.endswith(".keras"):
                    with zipfile.ZipFile(io.BytesIO(tar.extractfile(member).read())) as zf:
                        walk(json.loads(zf.read("config.json")))
    have = {cls.__name__ for cls in saving.LAYERS.values()  # glassnet's, not a test's own
            if cls.__module__.startswith("glassnet.")} - set(L.OWN)  # (OWN: not Keras's)
    have.discard("Lambda")  # Keras stores it as bytecode: refused (test_lambda_layer_is_refused)
    assert sorted(have - seen) == []


# -- glassnet -> Keras ---------------------------------------------------------------------
def _randomize(model, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for leaf in model.leaves():
        values = []
        for key, w in [*leaf.params.items(), *leaf.state.items()]:
            v = rng.normal(0, 0.5, w.shape)
            values.append(np.abs(v) + 0.5 if "variance" in key else
                          np.zeros(w.shape) if key == "count" else v)
        leaf.set_weights(values)


def _dense():
    m = glassnet.Sequential([L.Input((6,)), L.Dense(8, activation="relu"), L.Dropout(0.3),
                             L.Dense(3, activation="softmax")], name="dense_net")
    m.compile(optimizer=glassnet.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def _conv():
    m = glassnet.Sequential([L.Input((8, 8, 2)), L.Conv2D(4, 3, padding="same", activation="relu"),
                             L.BatchNormalization(), L.MaxPooling2D(), L.AveragePooling2D(1),
                             L.Conv2D(3, 2), L.Flatten(), L.Dense(2)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def _embedding():
    return glassnet.Sequential([L.Input((7,), dtype="int32"), L.Embedding(20, 4),
                                L.GlobalAveragePooling1D(), L.Dense(1, activation="sigmoid")])


def _normalization():
    norm = L.Normalization()
    norm.adapt(np.random.default_rng(1).normal(3, 2, size=(50, 3)))
    return glassnet.Sequential([L.Input((3,)), norm, L.Dense(2)])


def _functional():
    inp = L.Input((10,), name="features")
    h = L.Dense(8, activation="relu")(inp)
    inner = glassnet.Sequential([L.Input((8,)), L.Dense(8, activation="tanh"),
                                 L.BatchNormalization()], name="block")
    a = inner(h)
    b = L.Dense(8)(L.Dense(6, activation="relu")(inp))
    s = L.Add()([a, b])
    c = L.Concatenate()([s, h])
    out1 = L.Dense(3, activation="softmax", name="label")(c)
    out2 = L.Dense(1, name="score")(L.Multiply()([a, b]))
    m = glassnet.Model(inp, [out1, out2], name="graph")
    m.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"])
    return m


def _shared():
    left, right = L.Input((5,), name="left"), L.Input((5,), name="right")
    encode = L.Dense(4, activation="tanh", name="encode")
    a, b = encode(left), encode(right)
    diff = L.Subtract()([a, b])
    out = L.Dense(1, activation="sigmoid", name="same")(L.Concatenate()([diff, a * b]))
    return glassnet.Model([left, right], {"same": out, "code": a}, name="siamese")


def _zoo_image():
    inp = L.Input((8, 8, 2))
    x = L.Rescaling(0.5, offset=0.1)(inp)
    for layer in (L.RandomFlip(), L.RandomRotation(0.1), L.RandomTranslation(0.1, 0.1),
                  L.RandomZoom(0.1), L.RandomContrast(0.1), L.ZeroPadding2D(1),
                  L.SeparableConv2D(4, 3, activation="elu"),
                  L.DepthwiseConv2D(3, depth_multiplier=2), L.Cropping2D(1), L.UpSampling2D(),
                  L.Conv2DTranspose(3, 3, strides=2, padding="same")):
        x = layer(x)
    y1 = L.GlobalMaxPooling2D()(x)
    y2 = L.GlobalAveragePooling2D()(L.MaxPool2D()(x))
    y = L.Subtract()([y1, y2])
    y = L.Average()([L.Maximum()([y1, y2]), L.Minimum()([y1, y]), y])
    y = L.PReLU()(L.Dense(5)(y))
    for layer in (L.LeakyReLU(0.2), L.ReLU(max_value=2.0), L.ELU(), L.Activation("sigmoid"),
                  L.Identity(), L.Softmax()):
        y = layer(y)
    return glassnet.Model(inp, y, name="zoo_image")


def _zoo_sequence():
    return glassnet.Sequential([L.Input((6,)), L.RepeatVector(8), L.Permute((2, 1)),
                                L.Reshape((8, 6)), L.Conv1D(4, 3, activation="relu"),
                                L.MaxPooling1D(2), L.AveragePooling1D(1), L.Conv1D(3, 2),
                                L.GlobalMaxPooling1D(), L.Dense(2)], name="zoo_sequence")


BUILDERS = {"dense": _dense, "conv": _conv, "embedding": _embedding,
            "normalization": _normalization, "functional": _functional,
            "shared": _shared, "zoo_image": _zoo_image, "zoo_sequence": _zoo_sequence}


def _inputs(name: str, x_like: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(7)
    if x_like.dtype.kind == "i":
        return rng.integers(0, 20, size=x_like.shape).astype("int32")
    return rng.normal(size=x_like.shape).astype("float32")


@pytest.fixture(scope="module")
def glassnet_files(keras_dir, tmp_path_factory) -> Path:
    """Every BUILDERS model, with random weights, saved by glassnet in each Keras format,
    and its inputs and predictions in <name>.npz (as make_keras_files.py writes them)."""
    out = tmp_path_factory.mktemp("glassnet_files")
    for name, build in BUILDERS.items():
        model = build()
        _randomize(model)
        x = _inputs(name, expected(keras_dir, name)[0])
        np.savez(out / f"{name}.npz", x=x, **{f"y{i}": y for i, y in
                                              enumerate(predictions(model, x))})
        model.save(out / f"{name}.keras")
        model.save(out / f"{name}.h5")
        model.save_weights(out / f"{name}.weights.h5")
        saving.save_weights(model, out / f"{name}_legacy_weights", save_format="h5")
    return out


def _trained(optimizer):
    def build():
        m = glassnet.Sequential([L.Input((4,)), L.Dense(5, activation="relu"),
                                 L.BatchNormalization(), L.Dense(3, activation="softmax")])
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        return m
    return build


TRAINED_BUILDERS = {
    "trained_adam": _trained(glassnet.optimizers.Adam(0.01)),
    "trained_rmsprop": _trained(glassnet.optimizers.RMSprop(0.01, momentum=0.5, centered=True)),
    "trained_schedule": _trained(glassnet.optimizers.Adam(
        glassnet.optimizers.schedules.ExponentialDecay(0.02, decay_steps=2, decay_rate=0.5)))}


@pytest.fixture(scope="module")
def glassnet_trained(glassnet_files, keras_dir):
    """Models glassnet trained 3 epochs and saved as .keras, in the folder of
    ``glassnet_files``, with the data and predictions after one more epoch (as
    make_keras_files.py writes them), for Keras to resume from."""
    for name, build in TRAINED_BUILDERS.items():
        data = np.load(keras_dir / f"{name}.npz")
        x, fit_y = data["x"], data["fit_y"]
        model = build()
        _randomize(model, seed=3)
        model.fit(x, fit_y, epochs=3, batch_size=8, shuffle=False, verbose=0)
        y0 = predictions(model, x)[0]
        model.save(glassnet_files / f"{name}.keras")
        model.fit(x, fit_y, epochs=1, batch_size=8, shuffle=False, verbose=0)
        np.savez(glassnet_files / f"{name}.npz", x=x, y0=y0, fit_y=fit_y,
                 after=predictions(model, x)[0])
    return glassnet_files


@pytest.mark.parametrize("name", TRAINED)
def test_training_resumes_from_glassnet_keras_file(glassnet_trained, name):
    data = np.load(glassnet_trained / f"{name}.npz")
    model = glassnet.models.load_model(glassnet_trained / f"{name}.keras")
    model.fit(data["x"], data["fit_y"], epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_array_equal(predictions(model, data["x"])[0], data["after"])


@pytest.mark.parametrize("name", MODELS)
def test_glassnet_keras_files_round_trip(glassnet_files, name):
    x, want = expected(glassnet_files, name)
    for ext in ("keras", "h5"):
        assert_same(predictions(glassnet.models.load_model(glassnet_files / f"{name}.{ext}"), x),
                    want)
    for suffix in (".weights.h5", "_legacy_weights"):
        model = BUILDERS[name]()
        model.load_weights(glassnet_files / f"{name}{suffix}")
        assert_same(predictions(model, x), want)


def test_keras_archive_layout(glassnet_files):
    with zipfile.ZipFile(glassnet_files / "functional.keras") as zf:
        assert set(zf.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        config = json.loads(zf.read("config.json"))
        assert json.loads(zf.read("metadata.json"))["keras_version"].startswith("3.")
    assert config["class_name"] == "Functional"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    nested = next(e for e in config["config"]["layers"] if e["class_name"] == "Sequential")
    assert nested["config"]["layers"][0]["class_name"] == "InputLayer"
    with h5py.File(glassnet_files / "functional.weights.h5") as f:
        assert f["layers/sequential/layers/batch_normalization/vars/3"].shape == (8,)
        assert f["layers/dense/vars/0"].shape == (10, 8)


def test_glassnet_default_format_unchanged(tmp_path):
    model = _dense()
    for name, file in (("m.glassnet", "m.glassnet"), ("m.zip", "m.zip"),
                       ("m", "m/model.glassnet")):  # no extension: Keras 2's folder
        model.save(tmp_path / name)
        with zipfile.ZipFile(tmp_path / file) as zf:
            assert json.loads(zf.read("config.json"))["format"] == "glassnet"


def test_save_format_h5_keras2_spelling(tmp_path):
    model = _dense()
    saving.save_model(model, tmp_path / "whole", save_format="h5")
    with h5py.File(tmp_path / "whole") as f:
        assert "model_config" in f.attrs and "model_weights" in f
    assert glassnet.models.load_model(tmp_path / "whole").count_params() == model.count_params()
    saving.save_model(model, tmp_path / "x.tf", save_format="tf")  # Keras 2: SavedModel
    assert (tmp_path / "x.tf" / "model.glassnet").is_file()  # glassnet's folder instead
    saving.save_weights(model, tmp_path / "w", save_format="tf")  # Keras 2's checkpoint
    model.load_weights(tmp_path / "w")  # glassnet's weights file instead


def _check_in_keras(run, folder: Path) -> None:
    results = run(folder)
    failures = {k: v for k, v in results.items() if isinstance(v, str) or v > 2e-5}
    resumed = sum(k.endswith("resumed") for k in results)  # not on Keras's NumPy backend
    assert len(results) - resumed == len(MODELS) * 4 + len(TRAINED), sorted(results)
    assert resumed in (0, len(TRAINED)) and not failures, failures


def test_glassnet_files_load_in_keras(glassnet_trained):
    glassnet_files = glassnet_trained
    pytest.importorskip("keras")
    sys.path.insert(0, str(CHECKER.parent))
    try:
        import check_glassnet_files
    finally:
        sys.path.remove(str(CHECKER.parent))
    _check_in_keras(check_glassnet_files.check, glassnet_files)


@pytest.mark.skipif(not os.path.exists(KERAS_PYTHON),
                    reason=f"no Keras venv at {KERAS_PYTHON} (set GLASSNET_KERAS_PYTHON)")
def test_glassnet_files_load_in_keras_venv(glassnet_trained):
    """Keras 3 loads every file, predicts the same, and resumes training where glassnet
    stopped (the optimizer's state crosses over)."""
    glassnet_files = glassnet_trained
    def run(folder):
        env = {**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "torch"),
               "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
        done = subprocess.run([KERAS_PYTHON, str(CHECKER), str(folder)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    _check_in_keras(run, glassnet_files)


# -- bad files -------------------------------------------------------------------------------
def test_truncated_keras_archive(keras_dir, tmp_path):
    data = (keras_dir / "dense.keras").read_bytes()
    for cut in (len(data) // 2, len(data) - 30, 100):
        bad = tmp_path / "cut.keras"
        bad.write_bytes(data[:cut])
        with pytest.raises(ModelFileError):
            glassnet.models.load_model(bad)
    model = _dense()
    with pytest.raises(ModelFileError):
        model.load_weights(bad)


def test_corrupt_h5(keras_dir, tmp_path):
    data = bytearray((keras_dir / "dense.h5").read_bytes())
    cases = {"garbage.h5": b"not an HDF5 file at all", "cut.h5": bytes(data[:len(data) // 3])}
    smashed = bytearray(data)
    smashed[200:4000] = bytes(3800)
    cases["smashed.h5"] = bytes(smashed)
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ModelFileError):
            glassnet.models.load_model(tmp_path / name)
        model = _dense()
        before = model.get_weights()
        with pytest.raises(ModelFileError):
            model.load_weights(tmp_path / name)
        assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_weights_of_another_model_change_nothing(keras_dir):
    model = _dense()
    before = model.get_weights()
    for f in ("conv.weights.h5", "conv_legacy_weights.h5", "functional.keras"):
        with pytest.raises(ModelFileError, match="weight|layers"):
            model.load_weights(keras_dir / f)
        assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_weights_only_h5_is_not_a_model(keras_dir):
    with pytest.raises(ModelFileError, match="load_weights"):
        glassnet.models.load_model(keras_dir / "dense_legacy_weights.h5")


def test_links_to_other_files_are_refused(tmp_path):
    model = _dense()
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    (tmp_path / "other.h5").write_bytes(b"")
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink("other.h5", "/x")
    with pytest.raises(ModelFileError, match="link"):
        model.load_weights(path)
    with h5py.File(path, "a") as f:
        del f["layers/dense/vars/0"]
        f.create_dataset("layers/dense/vars/0", (6, 8), "f4", external=[("raw.bin", 0, 192)])
    with pytest.raises(ModelFileError, match="other files"):
        model.load_weights(path)


def test_config_cannot_allocate_more_than_the_file_holds(keras_dir, tmp_path):
    with zipfile.ZipFile(keras_dir / "dense.keras") as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(content["config.json"])
    config["config"]["layers"][1]["config"]["units"] = 10 ** 8
    content["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "huge.keras", "w") as zf:
        for n, data in content.items():
            zf.writestr(n, data)
    with pytest.raises(ModelFileError, match="more than the file holds"):
        glassnet.models.load_model(tmp_path / "huge.keras")


def test_failed_save_leaves_old_file_whole(tmp_path, monkeypatch):
    model = _dense()
    for name in ("m.keras", "m.h5", "m.weights.h5"):
        path = tmp_path / name
        path.write_bytes(b"old")

        def fail(*args, **kwargs):
            raise RuntimeError("disk full")
        monkeypatch.setattr(keras_format, "_fill_keras_weights", fail)
        monkeypatch.setattr(keras_format, "_fill_legacy_weights", fail)
        with pytest.raises(RuntimeError, match="disk full"):
            (model.save_weights if name.endswith("weights.h5") else model.save)(path)
        monkeypatch.undo()
        assert path.read_bytes() == b"old"
    assert not any(n.startswith(".tmp-glassnet") for n in os.listdir(tmp_path))


def test_missing_h5py_names_the_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match="pip install h5py"):
        _dense().save(tmp_path / "m.keras")
    assert not os.listdir(tmp_path)


# -- Keras 2 (tf.keras) legacy files ---------------------------------------------------------
def _keras2_dense(name: str, units: int, activation: str) -> dict:
    """A Dense entry as tf.keras 2.x writes it in model_config."""
    return {"class_name": "Dense", "config": {
        "name": name, "trainable": True, "dtype": "float32", "units": units,
        "activation": activation, "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}}


def _write_keras2_h5(path, model_config: dict, weights: dict) -> None:
    """The layout of tf.keras 2.x's model.save("m.h5"), written by hand with h5py (tf.keras
    does not install here): weight names with ``:0``, configs without ``module``."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode()
        f.attrs["training_config"] = json.dumps({
            "loss": "sparse_categorical_crossentropy", "metrics": [["accuracy"]],
            "optimizer_config": {"class_name": "Adam", "config": {
                "name": "Adam", "learning_rate": 0.002, "decay": 0.0, "beta_1": 0.9,
                "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}}).encode()
        group = f.create_group("model_weights")
        group.attrs["layer_names"] = [n.encode() for n in weights]
        for layer, arrays in weights.items():
            g = group.create_group(layer)
            g.attrs["weight_names"] = [f"{layer}/{k}:0".encode() for k in arrays]
            for k, v in arrays.items():
                g.create_dataset(f"{layer}/{k}:0", data=v)


def test_keras2_sequential_h5(tmp_path):
    rng = np.random.default_rng(5)
    W1, b1, W2, b2 = (rng.normal(size=s).astype("float32") for s in [(4, 3), (3,), (3, 2), (2,)])
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                "sparse": False, "ragged": False,
                                                "name": "dense_input"}},
        _keras2_dense("dense", 3, "relu"), _keras2_dense("dense_1", 2, "softmax")]}}
    _write_keras2_h5(tmp_path / "k2.h5", config, {"dense": {"kernel": W1, "bias": b1},
                                                  "dense_1": {"kernel": W2, "bias": b2}})
    model = glassnet.models.load_model(tmp_path / "k2.h5")
    x = rng.normal(size=(5, 4)).astype("float32")
    z = np.maximum(x @ W1 + b1, 0) @ W2 + b2
    want = np.exp(z - z.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    assert_same(predictions(model, x), [want])
    assert model.optimizer.learning_rate == pytest.approx(0.002)


def test_keras2_functional_h5(tmp_path):
    """Keras 2's inbound_nodes: [[[layer, node, tensor, kwargs], ...]] per call."""
    rng = np.random.default_rng(6)
    Wa, ba, Wb, bb = (rng.normal(size=s).astype("float32") for s in [(4, 3), (3,), (4, 3), (3,)])
    layer = [{"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
              "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "input_1"}}]
    for name in ("a", "b"):
        layer.append({**_keras2_dense(name, 3, "linear"), "name": name,
                      "inbound_nodes": [[["input_1", 0, 0, {}]]]})
    layer.append({"class_name": "Add", "name": "add", "config": {"name": "add", "dtype": "float32",
                                                                  "trainable": True},
                  "inbound_nodes": [[["a", 0, 0, {}], ["b", 0, 0, {}]]]})
    config = {"class_name": "Functional", "config": {
        "name": "model", "layers": layer, "input_layers": [["input_1", 0, 0]],
        "output_layers": [["add", 0, 0]]}}
    _write_keras2_h5(tmp_path / "k2f.h5", config, {"a": {"kernel": Wa, "bias": ba},
                                                   "b": {"kernel": Wb, "bias": bb}})
    model = glassnet.models.load_model(tmp_path / "k2f.h5")
    x = rng.normal(size=(3, 4)).astype("float32")
    assert_same(predictions(model, x), [x @ Wa + ba + x @ Wb + bb])


def test_custom_layer_round_trip(tmp_path):
    class Double(L.Layer):
        def forward(self, x, training=False):
            return 2 * x

        def backward(self, dy):
            return 2 * dy

    model = glassnet.Sequential([L.Input((3,)), L.Dense(2), Double()])
    x = np.ones((1, 3), "float32")
    model.save(tmp_path / "c.keras")
    with pytest.raises(ModelFileError, match="Double.*custom_objects"):
        glassnet.models.load_model(tmp_path / "c.keras")
    again = glassnet.models.load_model(tmp_path / "c.keras", custom_objects={"Double": Double})
    assert_same(predictions(again, x), predictions(model, x))


def test_old_glassnet_archive_named_keras_still_loads(tmp_path):
    """Before Keras files, model.save("m.keras") wrote glassnet's own archive: those files
    are recognised by their contents and still load."""
    model = _dense()
    saving.save_model(model, tmp_path / "old.keras", save_format="glassnet")
    again = glassnet.models.load_model(tmp_path / "old.keras")
    x = np.ones((2, 6), "float32")
    assert_same(predictions(again, x), predictions(model, x))


@pytest.mark.parametrize("setting, value", [("data_format", "channels_first"),
                                            ("dilation_rate", [2, 2]), ("groups", 2)])
def test_keras_settings_glassnet_lacks_are_named(setting, value):
    """A setting at its neutral value loads; another value is refused, naming it."""
    from glassnet.keras_config import glassnet_entry
    from glassnet.serialization import build_layer

    entry = {"module": "keras.layers", "class_name": "Conv2D", "config": {
        "name": "conv2d", "filters": 4, "kernel_size": [3, 3], "data_format": "channels_last",
        "dilation_rate": [1, 1], "groups": 1, "dtype": {"class_name": "DTypePolicy",
                                                       "config": {"name": "float32"}}}}
    assert type(build_layer(glassnet_entry(entry))).__name__ == "Conv2D"
    entry["config"][setting] = value
    with pytest.raises(ValueError, match=setting):
        build_layer(glassnet_entry(entry))


def test_deflated_keras_archive_loads_and_zip_bomb_is_refused(keras_dir, tmp_path):
    with zipfile.ZipFile(keras_dir / "dense.keras") as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(tmp_path / "deflated.keras", "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in content.items():
            zf.writestr(n, data)
    x, want = expected(keras_dir, "dense")
    assert_same(predictions(glassnet.models.load_model(tmp_path / "deflated.keras"), x), want)
    with zipfile.ZipFile(tmp_path / "bomb.keras", "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in content.items():
            zf.writestr(n, data + bytes(5_000_000) if n == "model.weights.h5" else data)
    with pytest.raises(ModelFileError, match="corrupted or hostile"):
        glassnet.models.load_model(tmp_path / "bomb.keras")


def test_interrupted_write_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    """Ctrl-C just before the new file would replace the old one: the old file stays, the
    temporary file is removed (saving.write_atomic, shared with .glassnet files)."""
    model = _dense()
    for name in ("m.keras", "m.h5", "w.weights.h5", "w.h5"):
        path = tmp_path / name
        path.write_bytes(b"old")

        def interrupt(*args):
            raise KeyboardInterrupt
        monkeypatch.setattr(saving.os, "replace", interrupt)
        with pytest.raises(KeyboardInterrupt):
            (model.save_weights if name.startswith("w") else model.save)(path)
        monkeypatch.undo()
        assert path.read_bytes() == b"old"
        assert sorted(os.listdir(tmp_path)) == sorted(
            n for n in ("m.keras", "m.h5", "w.weights.h5", "w.h5") if (tmp_path / n).exists())
