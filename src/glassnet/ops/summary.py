"""``tf.summary``: scalars for TensorBoard from a training loop of your own.

    writer = tf.summary.create_file_writer("logs/train")
    with writer.as_default():
        for step in range(100):
            ...
            tf.summary.scalar("loss", loss, step=step)

Scalars are written as TensorBoard event files (``tensorboard.py``, the same writer as the
``TensorBoard`` callback), without TensorFlow. Histograms, images, text and graph traces are
not written: those calls return False (TensorFlow's "nothing written") and do nothing else.
"""

from __future__ import annotations

import contextlib
import os
import types

import numpy as np

from ..tensor import to_array

_default: list[SummaryWriter] = []  # the writers of the enclosing ``as_default`` blocks
_step: list[int | None] = [None]  # tf.summary.experimental.set_step


class SummaryWriter:
    """Writes scalar events into ``logdir`` (the event file is made on the first write)."""

    def __init__(self, logdir: str | os.PathLike) -> None:
        self.logdir = os.fspath(logdir)
        self.file = None

    @contextlib.contextmanager
    def as_default(self, step: int | None = None):
        """``with writer.as_default():`` makes ``tf.summary.scalar`` write here."""
        _default.append(self)
        saved = _step[0]
        if step is not None:
            _step[0] = int(step)
        try:
            yield self
        finally:
            _default.remove(self)
            _step[0] = saved
            self.flush()

    def set_as_default(self, step: int | None = None) -> None:
        _default.append(self)
        if step is not None:
            _step[0] = int(step)

    def write_scalar(self, name: str, value: float, step: int) -> None:
        if self.file is None:
            from ..tensorboard import EventFileWriter

            self.file = EventFileWriter(self.logdir)
        self.file.scalars(step, {name: value})

    def flush(self) -> None:
        """Each write is flushed already."""

    def close(self) -> None:
        if self.file is not None:
            self.file.close()


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False) -> SummaryWriter:
    return SummaryWriter(logdir)


def create_noop_writer() -> SummaryWriter:
    return _NoopWriter("")


class _NoopWriter(SummaryWriter):
    def write_scalar(self, name: str, value: float, step: int) -> None:
        """Writes nothing."""


def scalar(name: str, data, step: int | None = None, description: str | None = None) -> bool:
    """Write ``data`` (a number) under ``name`` at ``step`` to the default writer; False when
    there is none (as in TensorFlow)."""
    step = step if step is not None else _step[0]
    if not _default or step is None:
        return False
    value = float(np.asarray(to_array(data)).reshape(()))
    _default[-1].write_scalar(name, value, int(np.asarray(to_array(step))))
    return True


def _not_written(*args, **kwargs) -> bool:
    """Histograms, images, text and audio are not written by glassnet (returns False)."""
    return False


histogram = image = text = audio = _not_written


def trace_on(graph: bool = True, profiler: bool = False, profiler_outdir=None) -> None:
    """glassnet runs eagerly: there is no graph to trace."""


def trace_off() -> None:
    """See ``trace_on``."""


def trace_export(name: str, step: int | None = None, profiler_outdir=None) -> None:
    """Nothing to export (see ``trace_on``)."""


def flush(writer=None, name=None) -> None:
    """Each write is flushed already."""


def _set_step(step) -> None:
    _step[0] = None if step is None else int(np.asarray(to_array(step)))


def _get_step() -> int | None:
    return _step[0]


experimental = types.SimpleNamespace(set_step=_set_step, get_step=_get_step)
