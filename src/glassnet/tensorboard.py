"""TensorBoard event files, written without TensorFlow: scalars only.

TensorBoard reads ``events.out.tfevents.*`` files from a log folder. Each file is a
sequence of *records* (TFRecord framing), each record one serialized ``Event`` protocol
buffer (``tensorflow/core/util/event.proto``)::

    record = len (uint64, little-endian) · masked_crc(len) (uint32) · data · masked_crc(data)
    masked_crc(b) = rotate_right(crc32c(b), 15) + 0xa282ead8     (mod 2³²)

    Event   { double wall_time = 1; int64 step = 2; string file_version = 3;
              Summary summary = 5; }
    Summary { repeated Value value = 1; }
    Value   { string tag = 1; float simple_value = 2; }

The first record of a file is ``Event(wall_time, file_version="brain.Event:2")``; each
scalar is then ``Event(wall_time, step, Summary([Value(tag, simple_value)]))``. Protocol
buffers write a field as a key ``(field_number << 3) | wire_type`` and its value: wire type 0
is a varint (7 bits a byte, low bits first), 1 is 8 bytes, 2 is a length then bytes, 5 is 4
bytes. That is all the encoding these three messages need.
"""

from __future__ import annotations

import itertools
import os
import socket
import struct
import time

_CRC_TABLE: list[int] = []
_COUNTER = itertools.count()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord uses:
    ``crc32c(b"123456789") == 0xE3069283``."""
    if not _CRC_TABLE:
        for n in range(256):
            c = n
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data: bytes) -> bytes:
    """One TFRecord: length, its masked CRC, the data, its masked CRC."""
    length = struct.pack("<Q", len(data))
    return (length + struct.pack("<I", masked_crc(length)) + data
            + struct.pack("<I", masked_crc(data)))


def _varint(n: int) -> bytes:
    n &= (1 << 64) - 1  # negative int64s as two's complement, as protobuf does
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    return _varint(number << 3 | wire_type) + payload


def _bytes_field(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def event(wall_time: float, step: int = 0, file_version: str | None = None,
          scalars: dict[str, float] | None = None) -> bytes:
    """A serialized ``Event`` (see the module docstring)."""
    out = _field(1, 1, struct.pack("<d", wall_time))
    if step:
        out += _field(2, 0, _varint(int(step)))
    if file_version is not None:
        out += _bytes_field(3, file_version.encode())
    if scalars:
        values = b"".join(
            _bytes_field(1, _bytes_field(1, tag.encode()) + _field(2, 5, struct.pack("<f", v)))
            for tag, v in scalars.items())
        out += _bytes_field(5, values)
    return out


class EventFileWriter:
    """Appends scalar events to a new ``events.out.tfevents.<time>.<host>.<pid>.<n>.v2``
    file in ``folder`` (created if missing), flushed after each write so TensorBoard can
    follow a run live."""

    def __init__(self, folder: str | os.PathLike) -> None:
        folder = os.fspath(folder)
        os.makedirs(folder, exist_ok=True)
        now = time.time()
        name = (f"events.out.tfevents.{int(now)}.{socket.gethostname()}.{os.getpid()}."
                f"{next(_COUNTER)}.v2")
        self.path = os.path.join(folder, name)
        self._file = open(self.path, "wb")
        self._file.write(record(event(now, file_version="brain.Event:2")))
        self._file.flush()

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Write ``values`` (tag -> number) at ``step``, one event per value."""
        now = time.time()
        for tag, value in values.items():
            self._file.write(record(event(now, step, scalars={tag: float(value)})))
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
