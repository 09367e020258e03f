"""callbacks.TensorBoard and the event-file writer: the files are read back here record by
record (framing, CRCs, protocol buffers), and by TensorBoard's own reader where the
``tensorboard`` package is installed."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

import glassnet as tf
from glassnet.tensorboard import crc32c, event, masked_crc


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283  # the standard check value of CRC-32C
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720, B.4: 32 bytes of zeros


def _varint(data: bytes, i: int) -> tuple[int, int]:
    n = shift = 0
    while True:
        b = data[i]
        n |= (b & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not b & 0x80:
            return n, i


def _fields(data: bytes) -> list[tuple[int, object]]:
    """A protocol buffer's (field number, value) pairs; bytes for wire type 2."""
    out, i = [], 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 1:
            value, i = struct.unpack("<d", data[i:i + 8])[0], i + 8
        elif wire == 5:
            value, i = struct.unpack("<f", data[i:i + 4])[0], i + 4
        else:
            length, i = _varint(data, i)
            value, i = data[i:i + length], i + length
        out.append((number, value))
    return out


def read_events(path: Path) -> list[dict]:
    """Each record checked (both CRCs) and decoded into {wall_time, step, file_version,
    scalars}."""
    data, i, events = path.read_bytes(), 0, []
    while i < len(data):
        header = data[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[i + 8:i + 12])[0] == masked_crc(header)
        body = data[i + 12:i + 12 + length]
        assert struct.unpack("<I", data[i + 12 + length:i + 16 + length])[0] == masked_crc(body)
        i += 16 + length
        e = {"step": 0, "scalars": {}}
        for number, value in _fields(body):
            if number == 1:
                e["wall_time"] = value
            elif number == 2:
                e["step"] = value
            elif number == 3:
                e["file_version"] = value.decode()
            elif number == 5:
                for _, v in _fields(value):
                    parts = dict(_fields(v))
                    e["scalars"][parts[1].decode()] = parts[2]
        events.append(e)
    return events


def test_event_encoding_round_trip():
    body = event(1.5, step=300, scalars={"epoch_loss": 0.25})
    (wall, step, summary) = _fields(body)
    assert wall == (1, 1.5) and step == (2, 300)
    assert dict(_fields(dict(_fields(summary[1]))[1])) == {1: b"epoch_loss", 2: 0.25}


def _scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    (path,) = folder.glob("events.out.tfevents.*.v2")
    events = read_events(path)
    assert events[0]["file_version"] == "brain.Event:2"
    out: dict[str, list] = {}
    for e in events[1:]:
        for tag, v in e["scalars"].items():
            out.setdefault(tag, []).append((e["step"], v))
    return out


def _fit(tmp_path, **kwargs):
    tf.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((40, 3)).astype(np.float32), rng.integers(0, 2, 40)
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, "softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    logs = tmp_path / "logs"
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[tf.keras.callbacks.TensorBoard(log_dir=str(logs), **kwargs)])
    return logs, history.history


def test_tensorboard_writes_keras_tags_per_epoch(tmp_path):
    logs, history = _fit(tmp_path)
    train, val = _scalars(logs / "train"), _scalars(logs / "validation")
    assert sorted(train) == ["epoch_accuracy", "epoch_loss"]
    assert sorted(val) == ["epoch_accuracy", "epoch_loss"]
    assert [s for s, _ in train["epoch_loss"]] == [0, 1, 2]
    np.testing.assert_allclose([v for _, v in train["epoch_loss"]], history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in val["epoch_loss"]], history["val_loss"],
                               rtol=1e-6)


def test_tensorboard_batch_level(tmp_path):
    logs, _ = _fit(tmp_path, update_freq="batch")
    train = _scalars(logs / "train")
    assert [s for s, _ in train["batch_loss"]] == list(range(1, 10))  # 3 epochs x 3 batches
    with pytest.raises(ValueError, match="update_freq"):
        tf.keras.callbacks.TensorBoard(update_freq="sometimes")


def test_tensorboards_own_reader_agrees(tmp_path):
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    logs, history = _fit(tmp_path)
    acc = accumulator.EventAccumulator(str(logs / "train"))
    acc.Reload()
    # TensorBoard turns simple_value scalars into its "scalars" (or tensors, newer versions)
    tags = acc.Tags()
    if "epoch_loss" in tags.get("scalars", []):
        values = [e.value for e in acc.Scalars("epoch_loss")]
    else:
        import tensorboard.util.tensor_util as tu

        values = [float(tu.make_ndarray(e.tensor_proto)) for e in acc.Tensors("epoch_loss")]
    np.testing.assert_allclose(values, history["loss"], rtol=1e-6)
