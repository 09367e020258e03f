"""tf.summary: scalars written as TensorBoard event files from a loop of your own."""

from __future__ import annotations

import os

import glassnet as tf
from glassnet.tensorboard import masked_crc


def test_scalars_go_to_the_default_writer(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path / "train"))
    assert tf.summary.scalar("loss", 1.0, step=0) is False  # no default writer: not written
    with writer.as_default():
        for step in range(3):
            assert tf.summary.scalar("loss", tf.constant(0.5 * step), step=step)
        assert tf.summary.histogram("w", [1.0, 2.0], step=0) is False  # not written
    files = os.listdir(tmp_path / "train")
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")
    data = (tmp_path / "train" / files[0]).read_bytes()
    assert data.count(b"loss") == 3
    # each record: length (8 bytes), its masked CRC, the event, the event's masked CRC
    n = int.from_bytes(data[:8], "little")
    assert int.from_bytes(data[8:12], "little") == masked_crc(data[:8])
    assert int.from_bytes(data[12 + n:16 + n], "little") == masked_crc(data[12:12 + n])


def test_trace_calls_are_accepted():
    tf.summary.trace_on(graph=True, profiler=True)
    tf.profiler.experimental.start("logs")
    assert tf.summary.trace_export(name="trace", step=0) is None
