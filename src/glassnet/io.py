"""``tf.io``: reading and writing raw bytes (the basics).

    tf.io.decode_raw(tf.constant("Duck"), tf.uint8)   # [68 117 99 107]
    tf.io.read_file("digit.png")                       # the file's bytes, a string tensor
"""

from __future__ import annotations

import os

import numpy as np

from .tensor import Tensor, to_array


def _bytes(value) -> list[bytes]:
    a = np.asarray(to_array(value))
    return [v if isinstance(v, bytes) else str(v).encode("utf-8") for v in a.reshape(-1)]


def decode_raw(input_bytes, out_type, little_endian: bool = True, fixed_length=None,
               name=None) -> Tensor:
    """The bytes of a string reinterpreted as numbers of ``out_type`` (one row per string
    of a vector of strings of equal length)."""
    dtype = np.dtype(out_type).newbyteorder("<" if little_endian else ">")
    rows = [np.frombuffer(b, dtype=dtype).astype(np.dtype(out_type)) for b in
            _bytes(input_bytes)]
    shape = np.shape(to_array(input_bytes))
    return Tensor(rows[0] if not shape else np.stack(rows).reshape(*shape, -1))


def read_file(filename, name=None) -> Tensor:
    """The whole file's bytes (a scalar ``bytes`` tensor)."""
    with open(os.fspath(str(np.asarray(to_array(filename)))), "rb") as f:
        return Tensor(np.asarray(f.read(), dtype=object))


def write_file(filename, contents, name=None) -> None:
    """Write ``contents`` (a string or bytes) to ``filename``."""
    with open(os.fspath(str(np.asarray(to_array(filename)))), "wb") as f:
        f.write(_bytes(contents)[0])
