"""Test data kept as archives (files Keras wrote, in tests/data/keras_files)."""

from __future__ import annotations

import tarfile
from pathlib import Path


def unpack(archive: Path, folder: Path) -> Path:
    """Unpack ``archive`` into ``folder`` and return it: plain files with plain names only."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            assert member.isfile() and "/" not in member.name and not member.name.startswith(".")
            (folder / member.name).write_bytes(tar.extractfile(member).read())
    return folder
