"""What a file really is, for error messages: "this is a PNG image", "this is a folder".

``describe(path, wanted)`` sniffs the first bytes of ``path`` (magic numbers) and returns a
sentence for a user who gave it where ``wanted`` (e.g. "a glassnet model") was expected,
or ``None`` when the file looks like what was wanted (or cannot be told apart).
"""

from __future__ import annotations

import difflib
import os
import stat

#: (magic bytes at offset 0, what the file is, a hint)
MAGIC = [
    (b"\x89HDF\r\n\x1a\n", "a Keras HDF5 file (.h5)", "save the model as .glassnet"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image", "did you swap the arguments?"),
    (b"\xff\xd8\xff", "a JPEG image", "did you swap the arguments?"),
    (b"GIF8", "a GIF image", "did you swap the arguments?"),
    (b"BM", "a BMP image", "did you swap the arguments?"),
]


def sniff(path: str | os.PathLike) -> str | None:
    """A short description of what ``path`` holds, from its first bytes, or ``None``."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return None
    for magic, what, _ in MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(b"PK\x03\x04"):
        return "a zip file"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "a WebP image"
    return None


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
        folder = os.path.dirname(name) or "."
        try:
            candidates = [f for f in os.listdir(folder) if f.endswith(suffix)]
        except OSError:
            candidates = []
        close = difflib.get_close_matches(os.path.basename(name), candidates, n=1, cutoff=0.6)
        hint = f" — did you mean {os.path.join(os.path.dirname(name), close[0])}?" if close \
            else ""
        return f"no such file: {name}{hint}"
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return f"{name} is a folder, not {wanted}; give the file inside it"
    what = sniff(name)
    for _, kind, hint in MAGIC:
        if what == kind and (not images_only or kind.endswith("image")):
            return f"{name} is {kind}, not {wanted} — {hint}"
    return None
