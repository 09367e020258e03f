"""What ``fit`` does when training goes wrong: a NaN loss, or Ctrl-C.

Non-finite loss (``fit(..., terminate_on_nan=True)``, the default).
    ``train_step`` checks the batch's loss *before* the optimizer step and raises
    ``NonFiniteLoss`` instead of applying a NaN update, so the weights stay those
    of the last good step. ``fit`` stops, warns (``NonFiniteLossWarning``) with the
    epoch and batch, runs the callbacks' ``on_train_end`` and returns the History of
    the completed epochs. If the weights were already not finite when the bad loss
    appeared (changed outside the optimizer step, e.g. by a callback, or a
    non-finite gradient behind a finite loss), ``fit`` restores the newest
    ``WeightSnapshot``, taken at the start of each epoch while the weights were
    finite, together with the optimizer's state.

Ctrl-C (``KeyboardInterrupt``).
    ``InterruptGuard`` replaces Python's SIGINT handler for the duration of ``fit``
    (main thread only). The first Ctrl-C only sets ``model.stop_training``; the
    batch loop ends after the step in progress, and ``fit`` raises
    ``TrainingInterrupted`` (a ``KeyboardInterrupt``) naming the epoch and batch.
    The weights are those after that step; ``model.history`` holds the completed
    epochs; the interrupted epoch is not recorded and ``on_train_end`` is not run.
    A second Ctrl-C interrupts at once (in a callback, validation, ...), except
    during a training step: a step is always applied whole or not at all, however
    many Ctrl-Cs arrive, so the weights and the optimizer's state always equal those
    after some whole number of steps. A ``KeyboardInterrupt`` raised by a callback
    is reported the same way.

Both checks cost nothing per batch beyond one ``math.isfinite`` on the loss and
one attribute test; the snapshot is one copy of the weights per epoch.
"""

from __future__ import annotations

import signal
import threading
import warnings

import numpy as np

from .errors import NonFiniteLossWarning, TrainingInterrupted
from .i18n import _


class NonFiniteLoss(Exception):
    """Raised by ``train_step`` before updating the weights with a NaN/inf loss."""

    def __init__(self, loss: float) -> None:
        super().__init__(f"non-finite loss {loss}")
        self.loss = float(loss)


class InterruptGuard:
    """During ``fit``: the first Ctrl-C asks the loop to stop after the current step; a
    second one stops at once, except that a training step in progress always finishes.

    Python runs a signal handler between any two bytecodes of the main thread, so a
    ``KeyboardInterrupt`` raised from it could land between two of the optimizer's
    in-place updates (some weights at step ``t + 1``, the rest at ``t``, Adam's moments
    at yet another mix). The handler therefore looks at the interrupted frames: inside a
    ``train_step`` or the optimizer's ``step`` (or while weights are restored) it does not
    raise; ``stop_training`` is already set, so ``fit`` stops right after that step.
    Once a ``KeyboardInterrupt`` is on its way (raised here or by
    ``raise_if_requested``), further Ctrl-Cs are ignored until ``fit`` has turned it into
    ``TrainingInterrupted``, so no bare ``KeyboardInterrupt`` overtakes it.
    """

    def __init__(self, model) -> None:
        self.model = model
        self.requested = False  # a Ctrl-C came: stop after the current step
        self.raised = False  # a KeyboardInterrupt is on its way: ignore further Ctrl-Cs
        self._previous = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def _handler(self, signum, frame) -> None:
        # The state changes come first: this handler may itself be interrupted by the next
        # Ctrl-C, whose handler call then sees them.
        if self.raised:
            return
        if not self.requested:
            self.requested = True
            self.model.stop_training = True
            print("\n" + _("Ctrl-C: stopping after the current step (press Ctrl-C again to "
                           "stop at once)."), flush=True)
            return
        if self._in_step(frame):  # the step finishes; fit stops right after it
            return
        self.raised = True
        raise KeyboardInterrupt

    def _in_step(self, frame) -> bool:
        """Whether ``frame`` or a caller is changing the weights: ``train_step``, the
        optimizer's ``step`` or ``WeightSnapshot.restore``."""
        protected = {WeightSnapshot.restore.__code__, stop_on_nonfinite.__code__}
        for owner, name in ((self.model, "train_step"),
                            (getattr(self.model, "optimizer", None), "step")):
            function = getattr(type(owner), name, None)
            code = getattr(function, "__code__", None)
            if code is not None:
                protected.add(code)
        while frame is not None:
            if frame.f_code in protected:
                return True
            frame = frame.f_back
        return False

    def uninstall(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def raise_if_requested(self) -> None:
        if self.requested:
            self.raised = True
            raise KeyboardInterrupt


class WeightSnapshot:
    """A copy of ``θ`` (every weight) and the optimizer state, kept only while finite."""

    def __init__(self, model) -> None:
        self.model = model
        self.theta: np.ndarray | None = None
        self.epoch: int | None = None

    def take(self, epoch: int) -> None:
        """Copy the weights if they are all finite (one pass and one copy per epoch)."""
        theta = self.model.parameters.theta
        if not np.isfinite(theta).all():
            return
        if self.theta is None or self.theta.shape != theta.shape:
            self.theta = np.empty_like(theta)
        self.theta[...] = theta
        opt = self.model.optimizer
        self.state = {k: v.copy() for k, v in opt.state.items()}
        self.iterations = opt.iterations
        self.epoch = epoch

    def restore(self) -> bool:
        """Write the snapshot back; False when there is none."""
        if self.theta is None:
            return False
        self.model.parameters.restore(self.theta)
        opt = self.model.optimizer
        for k, v in opt.state.items():
            if k in self.state:
                v[...] = self.state[k]
            else:  # the optimizer was built after the snapshot: start it afresh
                opt.build(self.model.parameters.trainable)
                break
        opt.iterations = self.iterations
        return True


def stop_on_nonfinite(model, err: NonFiniteLoss, epoch: int, step: int, epochs: int,
                      steps: int, snapshot: WeightSnapshot) -> None:
    """Keep finite weights and warn where training stopped (1-based, as Keras prints)."""
    where = _("epoch {epoch}/{epochs}, batch {batch}/{steps}").format(
        epoch=epoch + 1, epochs=epochs, batch=step + 1, steps=steps)
    if np.isfinite(model.parameters.theta).all():
        kept = _("The weights are those before this batch, the last finite ones: the bad "
                 "update was not applied.")
    elif snapshot.restore():
        kept = _("The weights were already not finite (changed outside the optimizer step, "
                 "e.g. by a callback), so the weights from the start of epoch {epoch}, "
                 "the last ones known to be finite, were restored.").format(
            epoch=snapshot.epoch + 1)
    else:
        kept = _("The weights were already not finite when fit started; nothing to restore.")
    warnings.warn(_(
        "Training stopped: the loss became {loss} in {where}. {kept} To fix it, lower the "
        "learning rate (e.g. optimizer=glassnet.optimizers.Adam(learning_rate=1e-4)), scale the "
        "inputs to [0, 1], and check x and y for extreme values. fit(..., "
        "terminate_on_nan=False) trains on regardless.").format(
        loss=err.loss, where=where, kept=kept),
        NonFiniteLossWarning, stacklevel=3)


def interrupted(model, history, epoch: int, step: int, epochs: int,
                steps: int) -> TrainingInterrupted:
    """The error ``fit`` raises after a Ctrl-C, saying what the model now holds."""
    done = len(history.epoch)
    where = (_("in epoch {epoch}/{epochs} after batch {batch}/{steps}").format(
        epoch=epoch + 1, epochs=epochs, batch=step + 1, steps=steps) if step >= 0
             else _("at the start of epoch {epoch}/{epochs}").format(
        epoch=epoch + 1, epochs=epochs))
    return TrainingInterrupted(_(
        "Training interrupted (KeyboardInterrupt) {where}. The model keeps the weights of its "
        "last completed step; model.history holds the {done} completed epoch(s). Continue "
        "with model.fit(..., initial_epoch={initial}).").format(
        where=where, done=done, initial=epoch),
        history=history, epoch=epoch, batch=step,
    )

