"""One reproducible ``.tar.xz`` of a folder of files, for the make_* scripts here."""

from __future__ import annotations

import io
import os
import tarfile


def pack(folder, archive) -> None:
    """The files of ``folder`` into ``archive``: sorted, no times or owners, so the same
    files give the same bytes (tests/archives.py unpacks it)."""
    with tarfile.open(archive, "w:xz", preset=9) as tar:
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
