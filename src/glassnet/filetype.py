"""What a file really is, for error messages: "this is a PNG image", "this is a folder".

``describe(path, wanted)`` sniffs the first bytes of ``path`` (magic numbers) and returns a
sentence for a user who gave it where ``wanted`` (e.g. "a glassnet model") was expected,
or ``None`` when the file looks like what was wanted (or cannot be told apart).

``sniff`` answers in English, the same in every language (callers compare its answer);
``describe`` and ``suggest`` speak the language of glassnet's messages (``glassnet.i18n``).
"""

from __future__ import annotations

import difflib
import os
import stat

from .i18n import N_, _

#: (magic bytes at offset 0, what the file is, a hint); translated where they are shown
MAGIC = [
    (b"\x89HDF\r\n\x1a\n", N_("a Keras HDF5 file (.h5)"), N_("save the model as .glassnet")),
    (b"\x89PNG\r\n\x1a\n", N_("a PNG image"), N_("did you swap the arguments?")),
    (b"\xff\xd8\xff", N_("a JPEG image"), N_("did you swap the arguments?")),
    (b"GIF8", N_("a GIF image"), N_("did you swap the arguments?")),
    (b"BM", N_("a BMP image"), N_("did you swap the arguments?")),
]
#: What the glassnet command wants where ``describe`` is asked (``wanted`` is translated
#: when the catalogue has it)
WANTED = (N_("a glassnet model"),)


def sniff(path: str | os.PathLike) -> str | None:
    """A short description of what the regular file ``path`` holds, from its first
    bytes, or ``None``."""
    try:  # never blocks on a named pipe or a device: only a regular file is read
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        head = os.read(fd, 64)
    except OSError:
        return None
    finally:
        os.close(fd)
    for magic, what, _hint in MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(b"PK\x03\x04"):
        return "a zip file"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    return None


def nearest(path: str | os.PathLike, suffix: str = ".glassnet") -> str | None:
    """The existing ``*suffix`` file in ``path``'s folder whose name is nearest to
    ``path``'s (a typo: ``modle`` for ``model``), as ``FOLDER/NAME``, else ``None``."""
    name = os.fspath(path)
    folder = os.path.dirname(name)
    try:
        candidates = [f[:-len(suffix)] for f in os.listdir(folder or ".") if f.endswith(suffix)]
    except OSError:
        return None
    stem = os.path.basename(name)
    stem = stem[:-len(suffix)] if stem.endswith(suffix) else stem
    close = difflib.get_close_matches(stem, candidates, n=1, cutoff=0.6)
    return os.path.join(folder, close[0] + suffix) if close else None


def suggest(path: str | os.PathLike, suffix: str = ".glassnet") -> str:
    """`` — did you mean FOLDER/NAME?`` for the ``nearest`` file, else ``""``."""
    close = nearest(path, suffix)
    return _(" — did you mean {path}?").format(path=close) if close else ""


def describe(path: str | os.PathLike, wanted: str, suffix: str = ".glassnet",
             images_only: bool = False) -> str | None:
    """Why ``path`` is not ``wanted``, naming what it is, or ``None`` if it may be.

    A missing file gets the nearest existing name with ``suffix`` in the same folder
    ("did you mean model.glassnet?"). With ``images_only``, of the files that exist only
    images are named: a Keras HDF5 file may be readable, so say what it is after a
    failed load.
    """
    name = os.fspath(path)
    try:
        info = os.stat(name)
    except FileNotFoundError:
        return _("no such file: {path}").format(path=name) + suggest(name, suffix)
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return _("{path} is a folder, not {wanted}; give the file inside it").format(
            path=name, wanted=_(wanted))
    what = sniff(name)
    for _magic, kind, hint in MAGIC:
        if what == kind and (not images_only or kind.endswith("image")):
            return _("{path} is {kind}, not {wanted} — {hint}").format(
                path=name, kind=_(kind), wanted=_(wanted), hint=_(hint))
    return None
