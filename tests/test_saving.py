"""Model files: atomic saves, bit-identical round trips, optimizer state, and hostile files.

Every truncated, corrupted or hostile file must raise ``ModelFileError`` (a ValueError)
saying what is wrong, and never another exception type; nothing in a file is ever run.
"""

from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import layers, saving
from glassnet.errors import ModelFileError

RNG = np.random.default_rng(3)
X = RNG.random((48, 6)).astype(np.float32)
Y = RNG.integers(0, 4, 48)


def make_model(optimizer="adam", seed=5):
    glassnet.utils.set_random_seed(seed)
    model = glassnet.Sequential([
        layers.Input(shape=(6,)), layers.Dense(8, activation="tanh"), layers.Dropout(0.25),
        layers.Dense(5), layers.Activation("relu"), layers.Dense(4, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def same(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(p, q) for p, q in zip(a, b))


@pytest.fixture
def saved(tmp_path):
    """A trained model and the path of its file."""
    model = make_model()
    model.fit(X, Y, epochs=2, verbose=0)
    path = tmp_path / "model.glassnet"
    model.save(path)
    return model, path


def rewrite(path, out, config=None, members=None, compression=zipfile.ZIP_STORED):
    """Copy the archive at ``path`` to ``out``, editing config.json and members."""
    with zipfile.ZipFile(path) as zf:
        content = {name: zf.read(name) for name in zf.namelist()}
    cfg = json.loads(content["config.json"])
    if config is not None:
        config(cfg)
    content["config.json"] = json.dumps(cfg).encode()
    for name, data in (members or {}).items():
        if data is None:
            content.pop(name)
        else:
            content[name] = data
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    return out


def npy(array, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def refuses(path, *fragments, **kwargs):
    with pytest.raises(ModelFileError) as info:
        glassnet.models.load_model(path, **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), f"{fragment!r} not in: {info.value}"
    return str(info.value)


# -- round trips -------------------------------------------------------------------------
def test_save_load_predict_is_bit_identical(saved):
    model, path = saved
    loaded = glassnet.models.load_model(path)
    assert same(loaded.get_weights(), model.get_weights())
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    assert loaded.get_config()["layers"] == model.get_config()["layers"]
    assert loaded.evaluate(X, Y, verbose=0) == model.evaluate(X, Y, verbose=0)


@pytest.mark.parametrize("optimizer", [
    "adam", "rmsprop", "adagrad", glassnet.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    glassnet.optimizers.AdamW(0.01),
])
def test_training_resumes_where_it_stopped(tmp_path, optimizer):
    """2 epochs in one go == 1 epoch, save, load (compile=True), 1 more epoch: bit for bit."""
    opt = glassnet.optimizers.get(optimizer)
    config = opt.get_config()
    straight = make_model(glassnet.optimizers.get(dict(config)))
    straight.fit(X, Y, epochs=2, shuffle=False, verbose=0)
    first = make_model(glassnet.optimizers.get(dict(config)))
    first.fit(X, Y, epochs=1, shuffle=False, verbose=0)
    first.save(tmp_path / "half.glassnet")
    resumed = glassnet.models.load_model(tmp_path / "half.glassnet")
    assert resumed.optimizer.iterations == first.optimizer.iterations
    for slot, value in first.optimizer.state.items():
        np.testing.assert_array_equal(resumed.optimizer.state[slot], value)
    resumed.fit(X, Y, epochs=1, shuffle=False, verbose=0)
    assert same(resumed.get_weights(), straight.get_weights())


def test_load_without_compile(saved):
    _, path = saved
    model = glassnet.models.load_model(path, compile=False)
    assert model.optimizer is None and model.loss is None
    model.predict(X, verbose=0)


def test_untrained_and_unbuilt_models_round_trip(tmp_path):
    fresh = make_model()  # compiled and built, optimizer never stepped
    fresh.save(tmp_path / "fresh.glassnet")
    loaded = glassnet.models.load_model(tmp_path / "fresh.glassnet")
    assert same(loaded.get_weights(), fresh.get_weights())
    assert loaded.optimizer.iterations == 0
    unbuilt = glassnet.Sequential([layers.Dense(3), layers.Dense(1)])
    unbuilt.save(tmp_path / "unbuilt.glassnet")
    again = glassnet.models.load_model(tmp_path / "unbuilt.glassnet")
    assert not again.built and len(again.layers) == 2


def test_weights_only_files(saved, tmp_path):
    model, path = saved
    model.save_weights(tmp_path / "w.glassnet")
    other = make_model(seed=99)
    other.load_weights(tmp_path / "w.glassnet")
    assert same(other.get_weights(), model.get_weights())
    other = make_model(seed=99)
    other.load_weights(path)  # a full model file works too
    assert same(other.get_weights(), model.get_weights())
    refuses(tmp_path / "w.glassnet", "only weights", "load_weights")


def test_load_weights_into_a_different_model_changes_nothing(saved):
    _, path = saved
    other = glassnet.Sequential([layers.Input(shape=(6,)), layers.Dense(8),
                                 layers.Dense(4, activation="softmax")])
    before = other.get_weights()
    with pytest.raises(ModelFileError, match="weight arrays"):
        other.load_weights(path)
    assert same(other.get_weights(), before)


def test_saved_file_has_normal_permissions(saved):
    _, path = saved
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask


# -- atomic saves --------------------------------------------------------------------------
def leftovers(folder) -> list[str]:
    return [name for name in os.listdir(folder) if name.startswith(".tmp-")]


def test_a_save_killed_while_writing_keeps_the_old_file(saved, monkeypatch):
    model, path = saved
    old = path.read_bytes()
    calls = []
    write = zipfile.ZipFile.writestr

    def dies_part_way(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return write(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", dies_part_way)
    model.fit(X, Y, epochs=1, verbose=0)  # the new file would differ
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == old
    assert leftovers(path.parent) == []
    monkeypatch.undo()
    glassnet.models.load_model(path)  # still a good file


def test_a_save_interrupted_at_the_rename_keeps_the_old_file(saved, monkeypatch):
    model, path = saved
    old = path.read_bytes()

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == old
    assert leftovers(path.parent) == []


def test_a_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    model = make_model()
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError("I/O error")))
    with pytest.raises(OSError):
        model.save(tmp_path / "new.glassnet")
    assert os.listdir(tmp_path) == []


# -- custom layers ---------------------------------------------------------------------------
class Scale(layers.Layer):
    """``y = x · s`` with one learned scale per feature."""

    def build(self, input_shape):
        self.add_weight("s", input_shape, "ones")
        super().build(input_shape)

    def forward(self, x, training=False):
        self.x = x
        return x * self.params["s"]

    def backward(self, dy):
        self.grads["s"][...] = (dy * self.x).sum(axis=0)
        return dy * self.params["s"] if self.need_input_grad else None


def custom_model():
    model = glassnet.Sequential([layers.Input(shape=(6,)), Scale(),
                                 layers.Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, Y, epochs=1, verbose=0)
    return model


def test_custom_layer_loads_only_when_registered(tmp_path):
    model = custom_model()
    path = tmp_path / "custom.glassnet"
    model.save(path)
    refuses(path, "unknown layer 'Scale'", "register_layer", "custom_objects")
    loaded = glassnet.models.load_model(path, custom_objects={"Scale": Scale})
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    saving.register_layer(Scale, "test_saving.Scale")
    try:
        model.save(path)  # the file now names the registered name
        loaded = glassnet.models.load_model(path)
        assert isinstance(loaded.layers[0], Scale)
    finally:
        del saving.LAYERS["test_saving.Scale"]
    with pytest.raises(TypeError, match="subclass of glassnet.layers.Layer"):
        saving.register_layer(print)


# -- hostile and broken files --------------------------------------------------------------
def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        glassnet.models.load_model(tmp_path / "nope.glassnet")


@pytest.mark.parametrize("content, fragment", [
    (b"", "not a readable zip"),
    (b"PK\x03\x04 garbage", "not a readable zip"),
    (b"\x80\x04\x95 a pickle", "not a readable zip"),
])
def test_not_a_zip(tmp_path, content, fragment):
    path = tmp_path / "bad.glassnet"
    path.write_bytes(content)
    refuses(path, fragment)


def test_unknown_layer_name(saved, tmp_path):
    _, path = saved

    def edit(cfg):
        cfg["model"]["config"]["layers"][0]["class_name"] = "os.system"

    refuses(rewrite(path, tmp_path / "h.glassnet", edit), "unknown layer 'os.system'",
            "Dense")


@pytest.mark.parametrize("where, value", [
    ("activation", {"class_name": "eval", "module": "builtins"}),
    ("activation", "__import__('os').system('touch pwned')"),
    ("kernel_initializer", "builtins.exec"),
    ("units", "10"),
    ("__class__", "Dense"),
])
def test_config_referencing_python_objects(saved, tmp_path, where, value):
    _, path = saved

    def edit(cfg):
        cfg["model"]["config"]["layers"][0]["config"][where] = value

    refuses(rewrite(path, tmp_path / "h.glassnet", edit), "layer Dense")
    assert not os.path.exists("pwned")


@pytest.mark.parametrize("section, value, fragment", [
    ("loss", {"name": "mse", "forward": 1}, "loss settings"),
    ("loss", {"name": "mse", "from_logits": "yes"}, "loss settings"),
    ("optimizer", {"name": "adam", "learning_rate": "os.system"}, "learning_rate"),
    ("optimizer", {"name": "subprocess.Popen"}, "Unknown optimizer"),
    ("optimizer", ["adam"], "not a name"),
    ("metrics", [{"name": "accuracy"}], "metrics"),
])
def test_hostile_compile_settings(saved, tmp_path, section, value, fragment):
    _, path = saved

    def edit(cfg):
        cfg["compile"][section] = value

    refuses(rewrite(path, tmp_path / "h.glassnet", edit), fragment)
    glassnet.models.load_model(tmp_path / "h.glassnet", compile=False)  # the rest is fine


@pytest.mark.parametrize("state, fragment", [
    ({"iterations": -1, "slots": ["m", "v"]}, "step count"),
    ({"iterations": "3", "slots": ["m", "v"]}, "step count"),
    ({"iterations": 3, "slots": ["__dict__"]}, "does not match"),
    ([1, 2], "malformed"),
])
def test_hostile_optimizer_state(saved, tmp_path, state, fragment):
    _, path = saved

    def edit(cfg):
        cfg["optimizer_state"] = state

    refuses(rewrite(path, tmp_path / "h.glassnet", edit), fragment)


def test_absurd_layer_size_fails_before_allocating(saved, tmp_path):
    _, path = saved

    def edit(cfg):
        cfg["model"]["config"]["layers"][0]["config"]["units"] = 10**12

    refuses(rewrite(path, tmp_path / "h.glassnet", edit), "more than the file holds")

    def wide_input(cfg):
        cfg["model"]["config"]["input_shape"] = [10**7, 10**7]

    refuses(rewrite(path, tmp_path / "h.glassnet", wide_input))


def test_npy_header_claiming_a_huge_array(saved, tmp_path):
    _, path = saved
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }"
    header += b" " * (127 - 10 - len(header)) + b"\n"
    member = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 64
    bad = rewrite(path, tmp_path / "h.glassnet", members={"weights/0.npy": member})
    refuses(bad, "weights/0.npy", "(1000000, 1000000)", "(6, 8)")


def test_pickled_array_is_never_unpickled(saved, tmp_path):
    _, path = saved
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    member = npy(np.array([Payload()], dtype=object), allow_pickle=True)
    bad = rewrite(path, tmp_path / "h.glassnet", members={"weights/0.npy": member})
    refuses(bad, "object")
    assert not marker.exists()


@pytest.mark.parametrize("member, fragment", [
    (np.zeros((8, 6), np.float32), "has shape (8, 6), but the model needs (6, 8)"),
    (np.zeros((6, 8), np.int64), "int64"),
    (np.zeros((6, 8), np.complex64), "complex64"),
    (None, "weights/0.npy is missing"),
    (np.zeros((600, 800), np.float64), "too large"),
])
def test_wrong_weight_arrays(saved, tmp_path, member, fragment):
    _, path = saved
    data = None if member is None else npy(member)
    refuses(rewrite(path, tmp_path / "h.glassnet", members={"weights/0.npy": data}), fragment)


def test_truncated_npy_data(saved, tmp_path):
    _, path = saved
    data = npy(np.zeros((6, 8), np.float32))[:-10]
    refuses(rewrite(path, tmp_path / "h.glassnet", members={"weights/0.npy": data}),
            "truncated")


def test_weight_arrays_in_fortran_order_or_float64_are_read_right(saved, tmp_path):
    model, path = saved
    kernel = model.get_weights()[0]
    data = npy(np.asfortranarray(kernel.astype(np.float64)))
    loaded = glassnet.models.load_model(
        rewrite(path, tmp_path / "f.glassnet", members={"weights/0.npy": data}))
    np.testing.assert_array_equal(loaded.get_weights()[0], kernel)


def test_compressed_members_are_refused(saved, tmp_path):
    """A zip bomb needs compression; glassnet files store every member as is."""
    _, path = saved
    refuses(rewrite(path, tmp_path / "z.glassnet", compression=zipfile.ZIP_DEFLATED),
            "compressed")


def test_zip_bomb_config(tmp_path):
    path = tmp_path / "bomb.glassnet"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", b" " * (50 << 20))  # 50 MB of spaces, ~50 kB compressed
    assert path.stat().st_size < 1 << 20
    refuses(path, "compressed")


def test_oversized_config(tmp_path):
    path = tmp_path / "big.glassnet"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", b" " * (saving.MAX_CONFIG_BYTES + 1))
    refuses(path, "config.json is")


@pytest.mark.parametrize("config, fragment", [
    (b"{not json", "config.json cannot be read"),
    (b"\xff\xfe", "config.json cannot be read"),
    (b"[" * 100000 + b"]" * 100000, "config.json cannot be read"),
    (b'{"format": "glassnet", "format_version": NaN}', "NaN"),
    (b'{"format": "pickle"}', "not a glassnet model file"),
    (b'{"format": "glassnet", "format_version": 2}', "format version 2"),
    (b'{"format": "glassnet", "format_version": 1}', "model description"),
    (b'{"format": "glassnet", "format_version": 1, "model": {"layers": [7]}}', "malformed"),
    (b'{"format": "glassnet", "format_version": 1, "model": {"layers": "Dense"}}', "model"),
    (b'{"format": "glassnet", "format_version": 1, "model": {"layers": [], '
     b'"input_shape": [-1]}}', "input_shape"),
])
def test_bad_config_json(tmp_path, config, fragment):
    path = tmp_path / "c.glassnet"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("config.json", config)
    refuses(path, fragment)


def test_no_config(tmp_path):
    path = tmp_path / "n.glassnet"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("weights/0.npy", npy(np.zeros(3, np.float32)))
    refuses(path, "no config.json")


def test_weight_count_mismatch(saved, tmp_path):
    _, path = saved

    def edit(cfg):
        cfg["weights"] = cfg["weights"][:-1]

    refuses(rewrite(path, tmp_path / "h.glassnet", edit), "weight arrays")


def test_member_claiming_more_bytes_than_the_file(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    # the central directory entry of the first member: its uncompressed size field
    cd = data.rfind(b"PK\x01\x02", 0, len(data) - 22)
    first = data.find(b"PK\x01\x02")
    assert 0 <= first <= cd
    data[first + 24:first + 28] = (2**31).to_bytes(4, "little")
    bad = tmp_path / "claim.glassnet"
    bad.write_bytes(bytes(data))
    refuses(bad)
