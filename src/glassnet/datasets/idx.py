"""The IDX file format of MNIST and Fashion-MNIST, read into a writable NumPy array.

Layout: a big-endian header, then the raw values. The header is two zero bytes, a
type byte (``0x08``: unsigned bytes), the number of dimensions ``ndim``, then one
uint32 per dimension. E.g. MNIST's training images start ``00 00 08 03``, then
60000, 28, 28, then 47,040,000 pixels; its labels ``00 00 08 01``, then 60000.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataFileError
from ..i18n import N_, _


def read_idx(path: str | os.PathLike, expected_sha256: str | None = None,
             fix: str = N_("Delete it and load the data again.")) -> np.ndarray:
    """Read an IDX file (gzip-compressed if its name ends in ``.gz``) as a uint8 array.

    ``expected_sha256`` is checked on the file's bytes as stored. The values are
    decompressed straight into the array that is returned, so it is writable at no
    extra copy. ``fix`` ends the message of any error (what the user should do;
    translated when the catalogue has it).
    """
    import hashlib  # here, not at the top: `import glassnet` stays fast

    path = Path(path)
    raw = path.read_bytes()
    if expected_sha256 is not None and hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise DataFileError(_("{path} is corrupted: its SHA-256 does not match the "
                              "published file's ({expected_sha256}). {fix}").format(
                                  path=path, expected_sha256=expected_sha256, fix=_(fix)))
    stream = gzip.GzipFile(fileobj=io.BytesIO(raw)) if path.suffix == ".gz" else io.BytesIO(raw)
    try:
        header = stream.read(4)
        if len(header) < 4 or header[:3] != b"\x00\x00\x08":
            raise DataFileError(_("{path} is not an IDX file of unsigned bytes. {fix}").format(
                                      path=path, fix=_(fix)))
        shape_bytes = stream.read(4 * header[3])
        shape = tuple(int.from_bytes(shape_bytes[i:i + 4], "big")
                      for i in range(0, len(shape_bytes), 4))
        out = np.empty(shape, np.uint8)
        view, filled = memoryview(out).cast("B"), 0
        while filled < out.size and (n := stream.readinto(view[filled:])):
            filled += n
        if len(shape) != header[3] or filled != out.size or stream.read(1):
            raise DataFileError(_("{path} is truncated or too long: its header says "
                                  "{shape}, which does not match its data. {fix}").format(
                                      path=path, shape=shape, fix=_(fix)))
    except (OSError, EOFError, zlib.error) as e:
        if isinstance(e, DataFileError):
            raise
        raise DataFileError(_("{path} is not a valid gzip file ({e}). {fix}").format(
                                  path=path, e=e, fix=_(fix))) from e
    return out
