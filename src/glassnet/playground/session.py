"""The 2-D page's training: a real glassnet model trained by ``fit`` in a worker thread.

``fit`` runs with one callback, ``_Events``: before each epoch it waits while the page has
paused (``step`` lets exactly one epoch through), after each epoch it records the losses and,
at most ``MAX_UPDATES_PER_SECOND`` times a second, a snapshot for the page (decision boundary,
each hidden neuron's output, the weights). Readers (the page's event stream) wait on one
condition variable for a newer ``version``; they never touch the model while it trains.
"""

from __future__ import annotations

import base64
import threading
import time

import numpy as np

from ..callbacks import Callback
from . import data
from .live import LiveSession
from .settings import Settings, build_model, program

GRID = 50  # the decision boundary's heat map: GRID × GRID points of [-6, 6]²
NEURON_GRID = 25  # each neuron's small map: every other point of that grid
MAX_UPDATES_PER_SECOND = 25
MAX_EPOCHS = 100_000  # "forever": a learner presses pause long before


class _Stopped(Exception):
    """Raised inside ``fit`` (from the callback) when the page resets or the server stops."""


def _bytes64(values: np.ndarray, lo: float, hi: float) -> str:
    """``values`` mapped from ``[lo, hi]`` to bytes 0..255, base64: a compact heat map."""
    values = np.nan_to_num(np.asarray(values, np.float64), nan=(lo + hi) / 2, posinf=hi, neginf=lo)
    scaled = np.clip((values - lo) / (hi - lo), 0, 1) * 255
    return base64.b64encode(np.rint(scaled).astype(np.uint8).tobytes()).decode("ascii")


def _rounded(a: np.ndarray, digits: int = 4) -> list:
    return np.round(np.asarray(a, np.float64), digits).tolist()


class Playground2D(LiveSession):
    """One 2-D playground: settings, data, model, training thread and what the page sees."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.reset(settings or Settings())

    # -- what the page asks ---------------------------------------------------------------
    def reset(self, settings: Settings | None = None) -> None:
        """Stop the current run, then new data (if the settings changed) and a new model."""
        self._stop_thread()
        s = settings or self.settings
        points, labels = data.make(s.dataset, 500, s.noise / 100, s.seed)
        x = data.features(points, s.features)
        n = s.n_train
        with self.cond:
            self.settings = s
            self.points, self.labels = points, labels
            self.x_train, self.y_train = x[:n], labels[:n]
            self.x_test, self.y_test = x[n:], labels[n:]
            self.grid_x = data.features(data.grid(GRID).astype(np.float64), s.features)
            self.model = build_model(s)
            self.history: list[list[float]] = []
            self.epoch = 0
            self.playing = False
            self.step_credit = 0
            self.error: str | None = None
            self.generation += 1
            self.snapshot = self._snapshot()
            self._published_epoch = 0
            self._last_publish = 0.0
            self.version += 1
            self.cond.notify_all()
            self._thread = threading.Thread(target=self._train, args=(self.generation,),
                                            name="glassnet-playground-2d", daemon=True)
            self._thread.start()

    def control(self, action: str) -> None:
        """``play``, ``pause``, ``step`` (one epoch) or ``reset`` (same settings)."""
        if action == "reset":
            self.reset()
            return
        with self.cond:
            if action == "play":
                self.playing = True
            elif action == "pause":
                self.playing = False
            elif action == "step":
                self.playing = False
                self.step_credit = min(self.step_credit + 1, 10)
            else:
                raise ValueError(f"unknown action {action[:20]!r}: play, pause, step or reset")
            self.version += 1
            self.cond.notify_all()

    # -- what the page is shown -----------------------------------------------------------
    def start_message(self) -> dict:
        """Everything that changes only on reset: settings, points, the feature names."""
        s, n = self.settings, self.settings.n_train
        points = np.concatenate([np.round(self.points, 3), self.labels[:, None]], axis=1)
        return {"generation": self.generation, "settings": s.to_json(),
                "features": [[f, data.FEATURES[f][0]] for f in s.features],
                "train": points[:n].tolist(), "test": points[n:].tolist(),
                "grid": GRID, "neuron_grid": NEURON_GRID}

    def update_message(self, since: int = 0) -> dict:
        """The latest snapshot, with the loss history from epoch ``since`` on."""
        return {"generation": self.generation, "epoch": self.epoch, "playing": self.playing,
                "error": self.error, "history": self.history[since:],
                "program": program(self.settings, self.epoch or 100), **self.snapshot}

    # -- the worker thread ----------------------------------------------------------------
    def _train(self, generation: int) -> None:
        with self.cond:
            model, s = self.model, self.settings
            x, y, val = self.x_train, self.y_train, (self.x_test, self.y_test)
        try:
            model.fit(x, y, batch_size=s.batch_size, epochs=MAX_EPOCHS, verbose=0,
                      validation_data=val, callbacks=[_Events(self, generation)])
            error = ("training stopped: the loss is no longer a finite number "
                     "(try a smaller learning rate), or the last epoch was reached")
        except _Stopped:
            return
        except Exception as err:  # shown on the page
            error = f"{type(err).__name__}: {err}"
        with self.cond:
            if generation == self.generation:
                self.error = error
                self.playing = False
                self._publish()

    def _gate(self, generation: int) -> None:
        """Before an epoch: wait while paused; raise ``_Stopped`` on reset or close."""
        with self.cond:
            def stopped():
                return self.closing or generation != self.generation

            while not (stopped() or self.playing or self.step_credit):
                if self._published_epoch != self.epoch:  # paused between two updates
                    self._publish()
                self.cond.wait()
            if stopped():
                raise _Stopped
            if not self.playing:
                self.step_credit -= 1

    def _record(self, generation: int, epoch: int, logs: dict) -> None:
        """After an epoch: its losses, and a snapshot if the page is due one."""
        with self.cond:
            if generation != self.generation:
                raise _Stopped
            self.epoch = epoch + 1
            values = [float(logs.get(k, np.nan))
                      for k in ("loss", "val_loss", "accuracy", "val_accuracy")]
            # JSON has no NaN or infinity: a value that is not a number is sent as null
            self.history.append([self.epoch] + [v if np.isfinite(v) else None for v in values])
            due = time.monotonic() - self._last_publish >= 1 / MAX_UPDATES_PER_SECOND
            if due or not self.playing:
                self._publish()

    def _publish(self) -> None:  # with self.cond held
        self.snapshot = self._snapshot()
        self._published_epoch = self.epoch
        self._last_publish = time.monotonic()
        self.version += 1
        self.cond.notify_all()

    def _snapshot(self) -> dict:
        """The model seen on the grid: the output (probability of blue) and each hidden
        neuron's activation, scaled to bytes; the Dense layers' weights and biases."""
        model, h = self.model, self.grid_x
        neurons, weights, biases = [], [], []
        with model.lock:
            for layer in model.layers:
                W, b = layer.get_weights()
                weights.append(_rounded(W))
                biases.append(_rounded(b))
                h = np.asarray(layer(h))
                if layer is not model.layers[-1]:
                    maps = h.reshape(GRID, GRID, -1)[::GRID // NEURON_GRID, ::GRID // NEURON_GRID]
                    scale = max(float(np.abs(maps).max()), 1e-6)
                    neurons.append([_bytes64(maps[..., j], -scale, scale)
                                    for j in range(maps.shape[-1])])
        return {"boundary": _bytes64(h[:, 0], 0.0, 1.0), "neurons": neurons,
                "weights": weights, "biases": biases}


class _Events(Callback):
    """The Keras callback ``fit`` calls: the pause gate and the page's updates."""

    def __init__(self, playground: Playground2D, generation: int) -> None:
        super().__init__()
        self.playground, self.generation = playground, generation

    def on_epoch_begin(self, epoch, logs=None):
        self.playground._gate(self.generation)

    def on_epoch_end(self, epoch, logs=None):
        self.playground._record(self.generation, epoch, logs or {})
