"""What both playground pages share: a model trained in a worker thread, and a page that
waits for news of it.

``version`` counts the changes a page has not seen yet (``wait`` blocks until it moves);
``generation`` counts the runs, so a worker of an old run sees that it is stale and stops.
All of it is guarded by one condition variable, ``cond``.
"""

from __future__ import annotations

import os
import tempfile
import threading


class LiveSession:
    """State and thread handling shared by ``Playground2D`` and ``PlaygroundMNIST``.

    Subclasses set ``self.model`` in ``reset`` and start ``self._thread``.
    """

    #: stop a run inside its epoch (``model.stop_training``), not only between epochs
    stop_mid_epoch = False

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.closing = False
        self.generation = 0
        self.version = 0
        self._thread: threading.Thread | None = None

    def close(self, timeout: float = 5.0) -> None:
        """Stop training for good (Ctrl-C): the worker leaves ``fit`` at its next check."""
        with self.cond:
            self.closing = True
            self.cond.notify_all()
        self._stop_thread(timeout)

    def model_file(self) -> bytes:
        """The model as it is now, as the bytes of a ``.glassnet`` file."""
        with self.cond:
            model = self.model
        fd, path = tempfile.mkstemp(suffix=".glassnet")
        os.close(fd)
        try:
            with model.lock:  # not between a step's weight updates
                model.save(path)
            with open(path, "rb") as f:
                return f.read()
        finally:
            os.unlink(path)

    def wait(self, version: int, timeout: float) -> int:
        """Block until ``self.version`` differs from ``version`` (or closing, or timeout)."""
        with self.cond:
            self.cond.wait_for(lambda: self.version != version or self.closing, timeout)
            return self.version

    def _stop_thread(self, timeout: float = 5.0) -> None:
        thread = self._thread
        if thread is not None:
            with self.cond:
                self.generation += 1  # the old run's callback sees it and stops
                if self.stop_mid_epoch:
                    self.model.stop_training = True
                self.cond.notify_all()
            thread.join(timeout)
            self._thread = None
