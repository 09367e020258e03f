"""Callbacks: code that ``fit`` runs at fixed points, with Keras's hook names.

Hooks receive ``logs``, a dict of the current numbers (``loss``, ``accuracy``,
``val_loss`` ...); every hook here also accepts ``logs=None``. Setting
``self.model.stop_training = True`` ends ``fit`` after the current epoch.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings

import numpy as np

from . import legacy
from .i18n import _
from .progress import Progbar


class Callback:
    """Base class. Override any of the ``on_*`` hooks; each does nothing by default."""

    def __init__(self) -> None:
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...

    # Keras 2's names: a callback that overrides on_batch_end is called from
    # on_train_batch_end (fit calls only the on_train_batch_* hooks, as Keras's does).
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` defines ``hook`` itself, in its class or as an attribute
    (``LambdaCallback``), or its Keras 2 alias ``on_batch_begin``/``on_batch_end`` (so
    ``fit`` can skip empty per-batch calls)."""
    for name in (hook, _ALIASES.get(hook)):
        if name is not None and (name in vars(callback)
                                 or getattr(type(callback), name) is not getattr(Callback, name)):
            return True
    return False


#: Names one Keras version logs a metric under and another reads: Keras 2.0-2.2 logged
#: ``metrics=["accuracy"]`` (and its functions) as ``acc`` and ``"mae"`` as
#: ``mean_absolute_error``; tf.keras and Keras 3 log the name you wrote.
_ACCURACIES = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
               "sparse_categorical_accuracy")
_SHORT = {"mae": "mean_absolute_error", "mse": "mean_squared_error",
          "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error"}
_HISTORY_ALIASES = {"acc": _ACCURACIES, "accuracy": _ACCURACIES,
                    **{k: (v,) for k, v in _SHORT.items()},
                    **{v: (k,) for k, v in _SHORT.items()}}


class HistoryDict(dict):
    """``History.history``: a dict of per-epoch lists whose keys are Keras's, which also
    answers the name an older Keras logged (``history.history["acc"]`` of a model compiled
    with ``metrics=["accuracy"]``, as Deep Learning with Python's first edition reads it),
    with one warning naming the key that is there."""

    def __missing__(self, key):
        prefix = "val_" if isinstance(key, str) and key.startswith("val_") else ""
        names = _HISTORY_ALIASES.get(key[len(prefix):], ()) if isinstance(key, str) else ()
        there = [prefix + name for name in names if prefix + name in self]
        if len(there) != 1:  # none, or several metrics it could mean
            raise KeyError(key)
        other = there[0][len(prefix):]
        legacy.warn_once_as("history:" + key, _(
            "history[{key!r}]: this training logged it as {there!r} (the name you gave in "
            "compile's metrics; Keras 2.2 and earlier named it {key!r}). glassnet answers "
            "it; write history[{there!r}] for current Keras.").format(
                key=key, there=prefix + other))
        return self[prefix + other]


class History(Callback):
    """Records the epoch-end logs; ``fit`` returns it. ``history.history["loss"]`` is a list."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = HistoryDict()
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar per epoch (added by ``fit`` when verbose)."""

    def __init__(self, verbose: int = 1) -> None:
        super().__init__()
        self.verbose = verbose
        self.bar: Progbar | None = None

    def on_epoch_begin(self, epoch, logs=None):
        print(_("Epoch {epoch}/{epochs}").format(epoch=epoch + 1, epochs=self.params["epochs"]),
              flush=True)
        self.bar = Progbar(self.params["steps"], verbose=self.verbose)

    def on_train_batch_end(self, batch, logs=None):
        self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.bar.update(self.params["steps"], logs, finalize=True)


class _Monitor(Callback):
    """Shared logic for callbacks that watch one logged quantity."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            raise ValueError(_("mode must be 'auto', 'min' or 'max', got {mode!r}.").format(
                mode=mode))
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)
        self.best = math.inf if mode == "min" else -math.inf

    def improved(self, current: float, reference: float) -> bool:
        if self.mode == "min":
            return current < reference - self.min_delta
        return current > reference + self.min_delta

    def current(self, logs) -> float | None:
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(_(
                "{callback} is watching {monitor!r}, which is not in the logs "
                "(available: {available}). Pass validation_data or "
                "validation_split to fit for val_ metrics.").format(
                callback=type(self).__name__, monitor=self.monitor,
                available=", ".join(logs or {}) or _("none")), stacklevel=3)
        return value


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights=True`` the model ends with the weights of its best
    epoch, also when training ran to the last epoch without stopping early.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = self.current(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self.improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self.improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(_("Epoch {epoch}: early stopping").format(epoch=self.stopped_epoch + 1))
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(_("Restoring model weights from the end of the best epoch: {epoch}."
                        ).format(epoch=self.best_epoch + 1))
            self.model.set_weights(self.best_weights)


class _SaveFrequency:
    """``save_freq``: ``"epoch"``, or an integer ``N`` to save every ``N`` batches (counted
    across epochs, as Keras does)."""

    def __init__(self, save_freq) -> None:
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, (int, np.integer)) or save_freq < 1):
            raise ValueError(_("save_freq must be 'epoch' or a positive number of batches, "
                               "got save_freq={value!r}.").format(value=save_freq))
        self.save_freq = save_freq
        self._batches_since_save = 0

    def due_after_batch(self) -> bool:
        """Count one batch; True when ``save_freq`` batches have passed since the last save."""
        if self.save_freq == "epoch":
            return False
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            return True
        return False


def _format_path(template: str, epoch: int, batch: int | None, logs: dict) -> str:
    """``"m-{epoch:02d}-{val_loss:.2f}.glassnet"`` filled in; a missing name is an error
    listing the names there are."""
    fields = {**logs, "epoch": epoch + 1}
    if batch is not None:
        fields["batch"] = batch + 1
    try:
        return template.format(**fields)
    except KeyError as err:
        raise KeyError(_(
            "The checkpoint path {template!r} uses {{{field}}}, which is not among the "
            "values at this point: {fields}. For val_ values pass validation_data "
            "or validation_split to fit.").format(template=template, field=err.args[0],
                                                 fields=", ".join(fields))) from None


def _make_folder(path: str) -> None:
    """Create the folder ``path`` goes into, as Keras does for checkpoints."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)


class ModelCheckpoint(_Monitor):
    """Save the model (or only its weights) after every epoch, every ``save_freq`` batches,
    or only when ``monitor`` improved (``save_best_only``).

    ``filepath`` may hold ``{epoch}`` (from 1), ``{batch}`` (with an integer ``save_freq``)
    and log names, e.g. ``"ckpt/model-{epoch:02d}-{val_loss:.2f}.glassnet"``; a missing
    folder is created. ``initial_value_threshold`` is the value to beat first.
    """

    def __init__(self, filepath: str, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, save_weights_only: bool = False,
                 mode: str = "auto", save_freq="epoch",
                 initial_value_threshold: float | None = None) -> None:
        super().__init__(monitor, mode, 0.0)
        self.filepath, self.verbose = os.fspath(filepath), verbose
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.frequency = _SaveFrequency(save_freq)
        self.save_freq = save_freq
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        self._epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.frequency.due_after_batch():
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch: int, batch: int | None, logs: dict) -> None:
        path = _format_path(self.filepath, epoch, batch, logs)
        if self.save_best_only:
            current = self.current(logs)
            if current is None:
                return
            if not self.improved(current, self.best):
                if self.verbose > 0:
                    print("\n" + _("Epoch {epoch}: {monitor} did not improve from {best}").format(
                        epoch=epoch + 1, monitor=self.monitor, best=f"{self.best:.5f}"))
                return
            if self.verbose > 0:
                print("\n" + _("Epoch {epoch}: {monitor} improved from {best} to {current}, "
                               "saving model to {path}").format(
                    epoch=epoch + 1, monitor=self.monitor, best=f"{self.best:.5f}",
                    current=f"{current:.5f}", path=path))
            self.best = current
        elif self.verbose > 0:
            print("\n" + _("Epoch {epoch}: saving model to {path}").format(epoch=epoch + 1,
                                                                           path=path))
        _make_folder(path)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class BackupAndRestore(Callback):
    """Back up the model at each epoch end (or every ``save_freq`` batches) into
    ``backup_dir``, and resume from the backup when ``fit`` runs again after an interruption.

    The backup is ``latest.glassnet`` (the whole model: weights and optimizer state, written
    atomically by ``model.save``) and ``training_metadata.json`` (the epoch to resume at).
    On ``on_train_begin`` an existing backup is loaded into the model and, as in Keras,
    ``model.resume_epoch`` is set for the training loop to start from. After a ``fit``
    that ends normally the folder is deleted (``delete_checkpoint=True``).
    """

    def __init__(self, backup_dir: str, save_freq="epoch", double_checkpoint: bool = False,
                 delete_checkpoint: bool = True) -> None:
        super().__init__()
        if not backup_dir:
            raise ValueError(_("BackupAndRestore needs a backup_dir, e.g. '/tmp/backup'."))
        self.backup_dir = os.fspath(backup_dir)
        self.frequency = _SaveFrequency(save_freq)
        self.save_freq, self.double_checkpoint = save_freq, double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self.model_path = os.path.join(self.backup_dir, "latest.glassnet")
        self.metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._epoch = 0
        self._batch = 0
        #: the epoch training resumes at (0 without a backup), set by on_train_begin
        self.initial_epoch = 0

    def on_train_begin(self, logs=None):
        self.initial_epoch = 0
        if os.path.exists(self.model_path):
            self._restore()

    def _restore(self) -> None:
        from .saving import load_model

        saved = load_model(self.model_path)
        self.model.set_weights(saved.get_weights())
        if saved.optimizer is not None and type(saved.optimizer) is type(self.model.optimizer):
            self.model.optimizer = saved.optimizer  # its moments and step count
        if os.path.exists(self.metadata_path):
            import json

            with open(self.metadata_path, encoding="utf-8") as f:
                self.initial_epoch = int(json.load(f)["epoch"])
        self.model.resume_epoch = self.initial_epoch  # read by the training loop

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batch = batch + 1
        if self.frequency.due_after_batch():
            self._save(self._epoch, self._batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def _save(self, epoch: int, batch: int) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self.model_path, self.metadata_path):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        self.model.save(self.model_path)
        import json

        tmp = self.metadata_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"epoch": epoch, "batch": batch}, f)
        os.replace(tmp, self.metadata_path)  # atomic: never half-written

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)


class CSVLogger(Callback):
    """Write one row per epoch to a CSV file: ``epoch`` and the logs, sorted by name.

    As Keras 3: without validation the ``val_`` columns are there too, holding ``NA``;
    ``append=True`` adds rows to an existing file (no second header).
    """

    def __init__(self, filename: str, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys: list[str] | None = None
        self.writer = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as f:
                header = not f.readline()
        self.write_header = header
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="",
                             encoding="utf-8")
        self.keys, self.writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.csv_file is None:  # fit called a hook before on_train_begin
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += ["val_" + k for k in self.keys]
        if self.writer is None:
            import csv

            dialect = type("Dialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys],
                                         dialect=dialect)
            if self.write_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _csv_value(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file, self.writer = None, None


def _csv_value(v):
    if isinstance(v, str) or np.ndim(v) == 0:
        return float(v) if isinstance(v, float) else v  # LearningRate -> its number
    return f'"[{", ".join(map(str, np.ravel(v)))}]"'


class LambdaCallback(Callback):
    """A callback from functions: ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``.

    Takes Keras 3's ``on_epoch_begin``, ``on_epoch_end``, ``on_train_begin``,
    ``on_train_end``, ``on_train_batch_begin``, ``on_train_batch_end`` and, as keyword
    arguments, any other hook (Keras 2's ``on_batch_begin``/``on_batch_end`` among them).
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs) -> None:
        super().__init__()
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end, **kwargs}
        for name, fn in hooks.items():
            if not hasattr(Callback, name):
                raise TypeError(_("LambdaCallback got {name}=, which is not a callback hook; "
                                  "the hooks are on_epoch_end, on_train_batch_end, ... .").format(
                    name=name))
            if fn is not None:
                setattr(self, name, fn)


def _set_learning_rate(optimizer, lr: float, who: str) -> None:
    """Set ``optimizer.learning_rate``, unless a schedule already sets it at every step."""
    if getattr(optimizer, "schedule", None) is not None:
        raise TypeError(_(
            "{who} cannot change the learning rate: the optimizer was given a "
            "{schedule} schedule, which sets it before every step. "
            "Use one or the other: a plain number as the optimizer's learning_rate with "
            "{who}, or the schedule alone."
        ).format(who=who, schedule=type(optimizer.schedule).__name__))
    optimizer.learning_rate = lr


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start to ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = float(self.schedule(epoch, self.model.optimizer.learning_rate))
        if not math.isfinite(lr):
            raise ValueError(_("The schedule returned a learning rate of {lr} at epoch "
                               "{epoch}.").format(lr=lr, epoch=epoch))
        _set_learning_rate(self.model.optimizer, lr, "LearningRateScheduler")
        if self.verbose > 0:
            print("\n" + _("Epoch {epoch}: LearningRateScheduler setting learning rate to "
                           "{lr}.").format(epoch=epoch + 1, lr=lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        super().__init__(monitor, mode, min_delta)
        if factor >= 1.0:
            raise ValueError(_("ReduceLROnPlateau needs factor < 1, got {factor}.").format(
                factor=factor))
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.cooldown, self.min_lr = cooldown, min_lr
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        # as Keras: each fit starts afresh (a callback reused across fits forgets its best)
        self.wait = self.cooldown_counter = 0
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = self.current(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.improved(current, self.best):
            self.best, self.wait = current, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = float(self.model.optimizer.learning_rate)
                new = max(old * self.factor, self.min_lr)
                if old > new:
                    _set_learning_rate(self.model.optimizer, new, "ReduceLROnPlateau")
                    if self.verbose > 0:
                        print("\n" + _("Epoch {epoch}: ReduceLROnPlateau reducing learning "
                                       "rate to {lr}.").format(epoch=epoch + 1, lr=new))
                    self.cooldown_counter, self.wait = self.cooldown, 0


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(_("Batch {batch}: Invalid loss, terminating training").format(batch=batch))
            self.model.stop_training = True


class TensorBoard(Callback):
    """Log the losses and metrics for TensorBoard (``tensorboard --logdir logs``), as Keras:
    ``<log_dir>/train`` gets ``epoch_loss``, ``epoch_accuracy``, ... at each epoch's end and
    ``<log_dir>/validation`` the ``val_`` numbers under the same tags, so TensorBoard draws
    training and validation on one chart. With ``update_freq="batch"`` (or every ``N``
    batches) ``train`` also gets ``batch_loss``, ... by step.

    glassnet writes these scalars only (see ``glassnet.tensorboard``, no TensorFlow
    needed): ``histogram_freq``, ``write_graph``, ``write_images``, ``embeddings_freq`` and
    ``profile_batch`` are accepted and write nothing.
    """

    def __init__(self, log_dir: str = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False,
                 update_freq: str | int = "epoch", profile_batch: int = 0,
                 embeddings_freq: int = 0, embeddings_metadata=None, **kwargs) -> None:
        super().__init__()
        if update_freq != "epoch" and update_freq != "batch" and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(_("TensorBoard update_freq must be 'epoch', 'batch' or a "
                               "positive number of batches, got {value!r}.").format(
                value=update_freq))
        self.log_dir = os.fspath(log_dir)
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.histogram_freq = histogram_freq
        self._writers: dict = {}  # which -> tensorboard.EventFileWriter
        self._step = 0

    def _writer(self, which: str):
        if which not in self._writers:
            from .tensorboard import EventFileWriter  # imports socket: only when used

            self._writers[which] = EventFileWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs=None):
        self._close()
        self._step = 0
        self._writer("train")

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self.update_freq != "epoch" and self._step % self.update_freq == 0 and logs:
            self._writer("train").scalars(self._step, {
                f"batch_{k}": v for k, v in logs.items() if np.ndim(v) == 0})

    def on_epoch_end(self, epoch, logs=None):
        numbers = {k: v for k, v in (logs or {}).items() if np.ndim(v) == 0}
        train = {f"epoch_{k}": v for k, v in numbers.items() if not k.startswith("val_")}
        val = {f"epoch_{k[4:]}": v for k, v in numbers.items() if k.startswith("val_")}
        self._writer("train").scalars(epoch, train)
        if val:
            self._writer("validation").scalars(epoch, val)

    def on_train_end(self, logs=None):
        self._close()

    def _close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
