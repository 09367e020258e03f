"""Hostile inputs and unkind environments (issue 15): forged model files, files that are
not files, saves that must not touch process-wide state or leave litter, signals."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import struct
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import glassnet
from glassnet import layers, saving
from glassnet.errors import ModelFileError

ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
       "PYTHONPATH": os.pathsep.join([os.path.dirname(os.path.dirname(glassnet.__file__)),
                                      os.environ.get("PYTHONPATH", "")])}


def small_model():
    glassnet.utils.set_random_seed(1)
    model = glassnet.Sequential([layers.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def npy(array) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


# -- forged zip directories ----------------------------------------------------------------
def forge_directory(data: bytes, copies: int, name: str,
                    rename=lambda i, old: old) -> bytes:
    """Repeat the central-directory record of member ``name`` ``copies`` more times
    (each copy renamed by ``rename(i, old)``), as a hostile archive's directory can: every
    copy points at the same data and claims its whole size."""
    end = data.rindex(b"PK\x05\x06")
    *_, cd_size, cd_offset, _ = struct.unpack("<4s4H2LH", data[end:end + 22])
    records, pos = [], cd_offset
    while pos < cd_offset + cd_size:
        n, m, k = struct.unpack("<3H", data[pos + 28:pos + 34])
        records.append(data[pos:pos + 46 + n + m + k])
        pos += 46 + n + m + k
    target = next(r for r in records if r[46:46 + struct.unpack("<H", r[28:30])[0]].decode()
                  == name)
    n = struct.unpack("<H", target[28:30])[0]
    old = target[46:46 + n].decode()
    for i in range(copies):
        new = rename(i, old).encode()
        records.append(target[:28] + struct.pack("<H", len(new)) + target[30:46] + new
                       + target[46 + n:])
    directory = b"".join(records)
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(records), len(records),
                       len(directory), cd_offset, 0)
    return data[:cd_offset] + directory + tail


def hostile_file(tmp_path, copies=1000, rename=lambda i, old: old):
    """A 70 KB file whose forged directory lists weights/0.npy (16 KB) ``copies`` more
    times, and whose config asks for a Dense layer of 7 million weights: summing the
    claimed sizes, as the loader once did, gave a budget of 8 million numbers."""
    config = {"format": "glassnet", "format_version": 1,
              "model": {"name": "m", "input_shape": [1000],
                        "layers": [{"class_name": "Dense", "config": {"units": 7000}}]},
              "weights": [{"shape": [1000, 7000]}, {"shape": [7000]}]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("weights/0.npy", npy(np.zeros(4000, np.float32)))
    path = tmp_path / "hostile.glassnet"
    path.write_bytes(forge_directory(buf.getvalue(), copies, "weights/0.npy", rename))
    return path


def load_bounded(path, limit_mb=20, seconds=15.0):
    """Load ``path``; fail if it takes more than ``limit_mb`` of memory, or ``seconds``: a
    guard against work that grows with the sizes the hostile file claims (minutes), not a
    speed measurement (a loaded CI machine took over 1 s for a refusal that takes 20 ms)."""
    import glassnet.saving  # noqa: F401  (its first import is not the file's cost)

    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(ModelFileError) as info:
            glassnet.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < seconds
    assert peak < limit_mb << 20, f"loading took {peak >> 20} MB"
    return str(info.value)


def test_duplicate_directory_entries_cannot_inflate_the_weight_budget(tmp_path):
    path = hostile_file(tmp_path)
    assert path.stat().st_size < 100_000
    assert "appears twice" in load_bounded(path)


def test_distinct_names_sharing_one_members_bytes_are_refused(tmp_path):
    path = hostile_file(tmp_path, rename=lambda i, old: f"weights/x{i:04d}.npy")
    assert "more than the whole file" in load_bounded(path)


@pytest.mark.parametrize("member", ["config.json", "weights/0.npy"])
def test_a_member_named_twice_is_refused(tmp_path, member):
    model = small_model()
    path = tmp_path / "m.glassnet"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    twice = tmp_path / "twice.glassnet"
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(twice, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data)
        zf.writestr(member, content[member])  # a second copy: the last one would win
    message = load_bounded(twice)
    assert f"{member!r} appears twice" in message
    with pytest.raises(ModelFileError, match="appears twice"):
        model.load_weights(twice)


# -- things that are not regular files -------------------------------------------------------
NOT_FILES = textwrap.dedent("""
    import json, os, sys, time
    import glassnet
    from glassnet import layers
    model = glassnet.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    out = {}
    for path in sys.argv[1:]:
        for how in ("load_model", "load_weights"):
            start = time.perf_counter()
            try:
                if how == "load_model":
                    glassnet.models.load_model(path)
                else:
                    model.load_weights(path)
                result = "loaded"
            except Exception as err:
                result = type(err).__name__ + ": " + str(err)
            out[path + " " + how] = [result, time.perf_counter() - start]
    print(json.dumps(out))
""")


@pytest.mark.skipif(not os.path.exists("/dev/zero") or not hasattr(os, "mkfifo"),
                    reason="needs /dev/zero and FIFOs")
def test_devices_fifos_and_folders_are_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.glassnet"
    os.mkfifo(fifo)
    link = tmp_path / "model.glassnet"
    link.symlink_to("/dev/zero")
    folder = tmp_path / "folder.glassnet"
    folder.mkdir()

    def limit_memory():  # a loader that reads /dev/zero must not take the machine with it
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    try:
        result = subprocess.run([sys.executable, "-c", NOT_FILES, "/dev/zero", str(link),
                                 str(fifo), str(folder)], capture_output=True, text=True,
                                env=ENV, timeout=15, preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail("loading a device or a FIFO blocked")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    for key, (message, seconds) in out.items():
        assert seconds < 1, key
        if key.startswith(str(folder)):
            assert message.startswith("IsADirectoryError") and "folder" in message, key
        else:
            assert message.startswith("ModelFileError"), (key, message)
            kind = "named pipe" if key.startswith(str(fifo)) else "character device"
            assert kind in message and "not a model file" in message, (key, message)


def test_cli_messages_for_files_that_are_not_models(tmp_path, capsys):
    from glassnet.cli import main

    link = tmp_path / "model.glassnet"
    link.symlink_to("/dev/zero")
    folder = tmp_path / "folder.glassnet"
    folder.mkdir()
    for path, fragment in [(link, "character device"), (folder, "folder"),
                           (tmp_path / "missing.glassnet", "model file not found")]:
        assert main(["summary", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert fragment in err and "\n" not in err, err
        if fragment != "model file not found":
            assert "not found" not in err, err


# -- saving: no process-wide state, no litter --------------------------------------------------
def test_save_never_calls_umask(tmp_path, monkeypatch):
    model = small_model()
    old = os.umask(0o027)
    try:
        def refuse(mask):
            raise AssertionError("save changed the process umask")

        monkeypatch.setattr(os, "umask", refuse)
        model.save(tmp_path / "new.glassnet")
        model.save_weights(tmp_path / "new.weights.glassnet")
    finally:
        monkeypatch.undo()
        os.umask(old)
    for name in ("new.glassnet", "new.weights.glassnet"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o640


def test_replacing_a_file_keeps_its_mode(tmp_path):
    model = small_model()
    path = tmp_path / "m.glassnet"
    model.save(path)
    os.chmod(path, 0o600)
    model.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def temp_name(pid: int, host: str | None = None) -> str:
    return f".tmp-glassnet-{host or saving._host_tag()}-{pid}-{'ab' * 8}.glassnet"


@pytest.mark.skipif(os.name != "posix", reason="stale temporary files are cleaned on POSIX")
def test_the_next_save_removes_only_stale_temp_files_of_dead_writers(tmp_path):
    old = time.time() - 3600
    dead = dead_pid()
    files = {
        "stale": temp_name(dead),                             # dead writer, old: removed
        "fresh": temp_name(dead).replace("abab", "cdcd"),     # dead writer, just written
        "live": temp_name(os.getpid()),                       # a save in progress
        "other host": temp_name(dead, host="00000000"),       # another machine's process
        "user's": ".tmp-notes.glassnet",                      # not our naming pattern
        "pid 0": temp_name(0),                                # not a process: kept
        "huge pid": temp_name(10 ** 30),                      # not a process: kept
    }
    for key, name in files.items():
        (tmp_path / name).write_bytes(b"partial")
        if key != "fresh":
            os.utime(tmp_path / name, (old, old))
    small_model().save(tmp_path / "m.glassnet")
    left = set(os.listdir(tmp_path))
    assert files["stale"] not in left
    assert {files[k] for k in files if k != "stale"} <= left
    assert "m.glassnet" in left


KILLED_SAVE = textwrap.dedent("""
    import os, signal, sys, zipfile
    import glassnet
    from glassnet import layers
    model = glassnet.Sequential([layers.Input(shape=(2,)), layers.Dense(1)])
    def killed(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    zipfile.ZipFile.writestr = killed
    model.save(sys.argv[1])
""")


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and stale-file cleaning are POSIX")
def test_temp_file_of_a_save_killed_with_sigkill_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "m.glassnet"
    result = subprocess.run([sys.executable, "-c", KILLED_SAVE, str(path)], env=ENV,
                            capture_output=True, timeout=30)
    assert result.returncode == -signal.SIGKILL
    litter = [n for n in os.listdir(tmp_path) if n.startswith(".tmp-glassnet-")]
    assert len(litter) == 1 and not path.exists()
    old = time.time() - saving.STALE_TEMP_SECONDS - 1
    os.utime(tmp_path / litter[0], (old, old))
    small_model().save(path)
    assert os.listdir(tmp_path) == ["m.glassnet"]


# -- the command line: one line for every failure ----------------------------------------------
def png_header_only(path, width, height, rows=0) -> None:
    """A 1-bit grayscale PNG declaring ``width`` x ``height``, with ``rows`` white rows of
    data (compressed as they are made: the file stays small and so does this test)."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    packer = zlib.compressobj(9)
    row = b"\0" + b"\xff" * ((width + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(rows)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))


@pytest.fixture
def mnist_model(tmp_path):
    from glassnet import architectures

    model = architectures.mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    path = tmp_path / "mnist.glassnet"
    model.save(path)
    return path


def one_line_error(capsys, argv, *fragments) -> str:
    from glassnet.cli import main

    assert main(list(map(str, argv))) == 2
    out = capsys.readouterr()
    err = out.err.strip()
    assert err.startswith("glassnet: error: ") and "\n" not in err, out
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_cli_png_declaring_a_huge_size(tmp_path, mnist_model, capsys):
    pytest.importorskip("PIL")
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 20000, 20000)
    one_line_error(capsys, ["predict", mnist_model, bomb], "too large", "megapixels")
    big = tmp_path / "big.png"
    png_header_only(big, 9000, 9000)
    one_line_error(capsys, ["predict", mnist_model, big], "9000x9000", "at most 16 megapixels")


MEASURE_IMAGES = textwrap.dedent("""
    import json, resource, sys
    from glassnet.imaging import load_digit
    from glassnet.errors import InputError
    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out = {}
    for path in sys.argv[1:]:
        before = peak()
        try:
            out[path] = [load_digit(path).shape[0]]
        except InputError as err:
            out[path] = [str(err)]
        out[path].append(peak() - before)
    print(json.dumps(out))
""")


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB is Linux's")
def test_large_images_are_not_decoded_at_full_size(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    from PIL import ImageDraw

    big_png = tmp_path / "big.png"
    png_header_only(big_png, 9000, 9000, rows=9000)  # 81 megapixels, a few KB
    photo = Image.new("L", (4200, 4200), 255)  # 17.6 megapixels: read only at 1/8 scale
    ImageDraw.Draw(photo).line([(2100, 800), (2100, 3400)], fill=0, width=100)
    jpeg = tmp_path / "photo.jpg"
    photo.save(jpeg, quality=80)
    del photo
    result = subprocess.run([sys.executable, "-c", MEASURE_IMAGES, str(big_png), str(jpeg)],
                            env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    message, grew = out[str(big_png)]
    assert "9000x9000" in message and grew < 10 << 20, (message, grew >> 20)
    size, grew = out[str(jpeg)]
    assert size == 28 and grew < 15 << 20, grew >> 20


def test_cli_hidden_layer_too_large_for_memory(capsys):
    err = one_line_error(capsys, ["train", "--hidden", "1000000000", "--limit", "10"],
                         "795,000,000,010 weights", "--hidden 128")
    assert "TB of memory" in err


@pytest.mark.parametrize("content, fragment", [
    ("[1, 2]", "it holds a list"), ("3", "it holds a number"), ('"loss"', "a string"),
    ('{"loss": 0.5}', "its 'loss' holds a number"),
    ('{"loss": [0.5, null]}', "of other values"), ("{", "cannot read"),
])
def test_cli_report_history_that_is_not_a_history(tmp_path, mnist_model, capsys, content,
                                                   fragment):
    history = tmp_path / "history.json"
    history.write_text(content)
    one_line_error(capsys, ["report", mnist_model, tmp_path / "out", "--history", history],
                   fragment)


def test_cli_robustness_on_a_model_without_ten_classes(tmp_path, capsys):
    from glassnet import architectures

    model = architectures.mlp(classes=5)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.save(tmp_path / "five.glassnet")
    err = one_line_error(capsys, ["robustness", tmp_path / "five.glassnet", "--limit", "20"],
                         "valid range of [0, 5)")
    assert "Fast gradient" not in err


def hostile_model_files(tmp_path) -> dict[str, object]:
    files = {"missing": tmp_path / "missing.glassnet"}
    files["empty"] = tmp_path / "empty.glassnet"
    files["empty"].write_bytes(b"")
    files["text"] = tmp_path / "text.glassnet"
    files["text"].write_text("hello")
    files["folder"] = tmp_path / "folder.glassnet"
    files["folder"].mkdir()
    files["forged"] = hostile_file(tmp_path)
    if os.path.exists("/dev/zero"):
        files["device"] = tmp_path / "device.glassnet"
        files["device"].symlink_to("/dev/zero")
    if hasattr(os, "mkfifo"):
        files["fifo"] = tmp_path / "fifo.glassnet"
        os.mkfifo(files["fifo"])
    return files


def test_cli_sweep_of_hostile_model_files(tmp_path, capsys):
    """Every subcommand that reads a model, over files that are not models: one line on
    stderr and status 2 each time, within a second."""
    png = tmp_path / "digit.png"
    png_header_only(png, 8, 8, rows=8)
    commands = [["evaluate"], ["summary"], ["report", None, tmp_path / "out"],
                ["predict", None, png], ["robustness"], ["export", None, tmp_path / "m.onnx"]]
    for kind, path in hostile_model_files(tmp_path).items():
        for command in commands:
            argv = [command[0], path, *command[2:]]
            start = time.perf_counter()
            err = one_line_error(capsys, argv)
            assert time.perf_counter() - start < 1, (kind, command[0])
            assert (kind == "missing") == ("not found" in err), err


# -- a fuzz test of the model file format -------------------------------------------------------
def mutate_bytes(data: bytes, rng) -> bytes:
    """One random corruption of an archive's bytes."""
    data = bytearray(data)
    kind = rng.integers(6)
    at = int(rng.integers(len(data)))
    if kind == 0:  # flip bits
        for i in rng.integers(0, len(data), int(rng.integers(1, 8))):
            data[i] ^= 1 << int(rng.integers(8))
    elif kind == 1:  # a 32-bit field set to something large
        data[at:at + 4] = struct.pack("<L", int(rng.choice([0xFFFFFFFF, 1 << 31, len(data) * 7,
                                                            rng.integers(1 << 32)])))
    elif kind == 2:  # truncated
        del data[at:]
    elif kind == 3:  # a slice repeated
        data[at:at] = data[at:at + int(rng.integers(1, 200))] * int(rng.integers(1, 5))
    elif kind == 4:  # a 16-bit field (counts, name lengths) changed
        data[at:at + 2] = struct.pack("<H", int(rng.integers(1 << 16)))
    else:  # a central-directory record repeated
        try:
            return forge_directory(bytes(data), int(rng.integers(1, 50)), "weights/0.npy")
        except (ValueError, StopIteration, struct.error):
            pass
    return bytes(data)


HOSTILE_VALUES = [10 ** 12, -1, 0, 2.5, "x" * 300, None, True, [], {}, [10 ** 9, 10 ** 9],
                  {"class_name": "Dense"}, "__import__('os')", 1e308]


def mutate_config(config: dict, rng) -> dict:
    """Replace one value anywhere in ``config`` with a hostile one."""
    config = json.loads(json.dumps(config))
    holders = []

    def walk(node):
        if isinstance(node, dict):
            holders.extend((node, k) for k in node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            holders.extend((node, i) for i in range(len(node)))
            for v in node:
                walk(v)

    walk(config)
    node, key = holders[int(rng.integers(len(holders)))]
    node[key] = HOSTILE_VALUES[int(rng.integers(len(HOSTILE_VALUES)))]
    return config


@pytest.mark.parametrize("mutate", ["bytes", "config"])
def test_fuzzed_model_files_load_or_raise_model_file_error_within_limits(tmp_path, mutate):
    """50 seeded mutations each run; rerun with another seed for a longer search."""
    model = small_model()
    model.fit(np.ones((8, 4), np.float32), np.zeros(8, int), epochs=1, verbose=0)
    path = tmp_path / "m.glassnet"
    model.save(path)
    original = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    rng = np.random.default_rng(2024 + (mutate == "config"))
    target = tmp_path / "fuzzed.glassnet"
    outcomes = {"loaded": 0, "refused": 0}
    tracemalloc.start()
    try:
        for case in range(50):
            if mutate == "bytes":
                target.write_bytes(mutate_bytes(original, rng))
            else:
                with zipfile.ZipFile(target, "w") as zf:
                    for name, data in members.items():
                        zf.writestr(name, json.dumps(mutate_config(config, rng))
                                    if name == "config.json" else data)
            tracemalloc.reset_peak()
            start = time.perf_counter()
            try:
                glassnet.models.load_model(target)
                outcomes["loaded"] += 1
            except ModelFileError:
                outcomes["refused"] += 1
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            assert seconds < 0.5 and peak < 8 << 20, (case, seconds, peak)
            try:
                model.load_weights(target)
            except ModelFileError:
                pass
    finally:
        tracemalloc.stop()
    assert outcomes["refused"] > 15, outcomes


# -- scikit-learn estimators --------------------------------------------------------------------
@pytest.mark.parametrize("y", [np.array(["a", 1, "b", 2], dtype=object),
                               np.array([1.5, "x", 1.5, "x"], dtype=object)])
def test_sklearn_classifier_labels_mixing_strings_and_numbers(y):
    pytest.importorskip("sklearn")
    from glassnet.sklearn import MLPClassifier

    with pytest.raises(TypeError, match="mixes strings and numbers") as info:
        MLPClassifier(epochs=1).fit(np.random.default_rng(0).random((4, 3)), y)
    assert "astype(str)" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_save_never_replaces_a_device_fifo_or_folder(tmp_path, capsys):
    model = small_model()
    fifo = tmp_path / "pipe.glassnet"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match="named pipe"):
        model.save(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    with pytest.raises(IsADirectoryError):
        model.save_weights(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["pipe.glassnet"]
    one_line_error(capsys, ["train", "--out", fifo, "--limit", "10"], "named pipe",
                   "not a file to save")


# -- optimizer state follows its weight -------------------------------------------------------
@pytest.mark.parametrize("name", ["adam", "rmsprop", "adagrad", "sgd"])
def test_optimizer_state_follows_its_weight_when_layers_are_frozen_and_unfrozen(name):
    """Freeze layer A and unfreeze layer B of the same size: B must not inherit A's state;
    unfreeze A again and it gets its own state back."""
    opt = glassnet.optimizers.get({"sgd": glassnet.optimizers.SGD(momentum=0.9)}.get(name, name))
    theta = np.zeros(3, np.float32)
    for g in ([1, 2, 3], [3, 2, 1]):  # only A is trainable: θ[:3] is A
        opt.step(theta, np.asarray(g, np.float32))
    a_state = {k: v.copy() for k, v in opt.state.items()}
    fresh = type(opt)(**{k: v for k, v in opt.get_config().items() if k != "name"})
    fresh.build(np.zeros(3, np.float32))
    opt.follow({"A": slice(0, 3)}, {"B": slice(0, 3)})  # A frozen, B unfrozen
    for k, v in opt.state.items():
        np.testing.assert_array_equal(v, fresh.state[k])  # B starts afresh
    opt.step(theta, np.ones(3, np.float32))
    b_state = {k: v.copy() for k, v in opt.state.items()}
    opt.follow({"B": slice(0, 3)}, {"A": slice(0, 3), "B": slice(3, 6)})  # both trainable
    for k, v in opt.state.items():
        np.testing.assert_array_equal(v[:3], a_state[k])
        np.testing.assert_array_equal(v[3:], b_state[k])
    opt.step(np.zeros(6, np.float32), np.ones(6, np.float32))  # no rebuild: state kept
    assert all(v.shape == (6,) for v in opt.state.values())


@pytest.mark.parametrize("argv, fragment", [
    (["train", "--learning-rate", "inf"], "--learning-rate: must be positive, got inf"),
    (["train", "--learning-rate", "nan"], "--learning-rate: must be positive, got nan"),
    (["train", "--seed", "-1"], "--seed: must be 0 or more, got -1"),
    (["train", "--epochs", "2.5"], "--epochs: expected a whole number, got '2.5'"),
    (["train", "--validation-split", "nan"], "must be in [0, 1), got nan"),
    (["robustness", "m.glassnet", "--eps", "inf"], "epsilon must be in [0, 1], got inf"),
])
def test_cli_hostile_arguments_are_refused_before_anything_runs(capsys, argv, fragment):
    from glassnet.cli import main

    with pytest.raises(SystemExit) as info:  # argparse: usage, then one error line
        main(argv)
    assert info.value.code == 2
    assert fragment in capsys.readouterr().err.strip().splitlines()[-1]


def test_cli_predict_on_a_file_that_is_not_an_image_names_it(tmp_path, mnist_model, capsys):
    pytest.importorskip("PIL")
    notes = tmp_path / "notes.png"
    notes.write_text("hello")
    one_line_error(capsys, ["predict", mnist_model, notes], f"cannot identify image file "
                                                            f"{str(notes)!r}")
