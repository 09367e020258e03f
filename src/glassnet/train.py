"""``tf.train``: what tutorials use of it with ``ModelCheckpoint``, ``latest_checkpoint``.

TensorFlow's checkpoints are several files and an index (``checkpoint``) naming the last
one; a glassnet weights file is one file, so the last checkpoint is the file saved last.
"""

from __future__ import annotations

import os


def latest_checkpoint(checkpoint_dir, latest_filename=None) -> str | None:
    """The path of the weights file saved last in ``checkpoint_dir`` (by modification time,
    then name), for ``model.load_weights``; None when the folder is missing or holds none.

    Example: ``ModelCheckpoint("./training_checkpoints/ckpt_{epoch}",
    save_weights_only=True)`` writes ``ckpt_1``, ``ckpt_2``, ...; this returns the newest.
    Hidden files (a save in progress, ``.tmp-glassnet-...``) do not count.
    """
    folder = os.fspath(checkpoint_dir)
    if not os.path.isdir(folder):
        return None
    files = [entry for entry in os.scandir(folder)
             if entry.is_file() and not entry.name.startswith(".")
             and entry.name != (latest_filename or "checkpoint")]
    if not files:
        return None
    newest = max(files, key=lambda e: (e.stat().st_mtime_ns, e.name))
    return os.path.join(folder, newest.name)
