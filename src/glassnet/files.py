"""Opening a file a user (or a stranger's repository) names: regular files only.

``/dev/zero`` reads until memory runs out, a FIFO blocks the reader forever, and a
symlink named ``model.glassnet`` can point at either. ``open_regular`` refuses all of
them before reading a byte: it checks ``os.stat`` (which follows symlinks), opens
with ``O_NONBLOCK`` (so a FIFO swapped in after the check cannot block the open),
and checks the opened descriptor again with ``fstat``, which is the file actually read.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from .i18n import N_, _


def kind(mode: int) -> str:
    """What a file that is not a regular file is, in words: ``"a character device"``."""
    for test, words in ((stat.S_ISDIR, N_("a folder")),
                        (stat.S_ISCHR, N_("a character device")),
                        (stat.S_ISBLK, N_("a block device")),
                        (stat.S_ISFIFO, N_("a named pipe (FIFO)")),
                        (stat.S_ISSOCK, N_("a socket"))):
        if test(mode):
            return _(words)
    return _("not a regular file")


def _refuse_irregular(path: str, mode: int, what: str, error: type[Exception]) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, _("a folder, not {what}").format(what=what), path)
    if not stat.S_ISREG(mode):
        raise error(_("{path} is {kind}, not {what}: glassnet reads only regular files.").format(
                          path=path, kind=kind(mode), what=what))


def open_regular(path: str | os.PathLike, what: str = "a file",
                 error: type[Exception] = OSError) -> BinaryIO:
    """Open ``path`` for reading in binary mode if it is a regular file (after symlinks).

    A missing file raises ``FileNotFoundError`` and a folder ``IsADirectoryError``, as
    ``open`` does; a device, FIFO or socket raises ``error`` naming what it is and
    ``what`` was expected (``"a model file"``), without blocking.
    """
    path = os.fspath(path)
    _refuse_irregular(path, os.stat(path).st_mode, what, error)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        _refuse_irregular(path, os.fstat(fd).st_mode, what, error)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
