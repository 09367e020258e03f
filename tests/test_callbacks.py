"""Callbacks, with Keras's semantics: EarlyStopping, ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, TerminateOnNaN, CSVLogger, LambdaCallback, BackupAndRestore and plain
Callback subclasses (with Keras 2's on_batch_* aliases).

To test the monitoring logic exactly, a ``Script`` callback placed *before* the callback
under test overwrites the monitored value with a scripted sequence, and a ``Recorder``
keeps the weights at every epoch end."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import callbacks, layers


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((96, 4)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) > 0).astype(int)
    return x, y


def make_model(optimizer="adam", seed=0):
    glassnet.utils.set_random_seed(seed)
    model = glassnet.Sequential([layers.Input(shape=(4,)), layers.Dense(8, activation="tanh"),
                                 layers.Dense(2, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


class Script(callbacks.Callback):
    """Replace ``logs[key]`` at each epoch end by the next scripted value."""

    def __init__(self, key, values):
        super().__init__()
        self.key, self.values = key, list(values)

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.values[epoch]


class Recorder(callbacks.Callback):
    """Keep a copy of the weights and the learning rate at every epoch end."""

    def __init__(self):
        super().__init__()
        self.weights, self.lr_at_begin = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.lr_at_begin.append(self.model.optimizer.learning_rate)

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def assert_weights_equal(a, b):
    assert len(a) == len(b)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)


# ------------------------------------------------------------------------ EarlyStopping
def test_early_stopping_patience(data):
    stop = callbacks.EarlyStopping(monitor="loss", patience=2)
    history = make_model().fit(*data, epochs=10, verbose=0,
                               callbacks=[Script("loss", [1.0, 0.9, 0.95, 0.97, 0.5, 0.4,
                                                          0.3, 0.2, 0.1, 0.0]), stop])
    # best at epoch 1; epochs 2 and 3 do not improve: stop after epoch 3 (Keras counts from 0)
    assert history.epoch == [0, 1, 2, 3]
    assert stop.stopped_epoch == 3 and stop.best == 0.9 and stop.best_epoch == 1


def test_early_stopping_min_delta(data):
    script = Script("loss", [1.0, 0.95, 0.91, 0.88, 0.85])
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=0.1)
    history = make_model().fit(*data, epochs=5, verbose=0, callbacks=[script, stop])
    assert history.epoch == [0, 1]  # 0.95 is not below 1.0 - 0.1
    script = Script("loss", [1.0, 0.95, 0.91, 0.88, 0.85])
    stop = callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=0.01)
    assert make_model().fit(*data, epochs=5, verbose=0,
                            callbacks=[script, stop]).epoch == [0, 1, 2, 3, 4]


def test_early_stopping_mode_max_for_accuracy(data):
    script = Script("val_accuracy", [0.5, 0.6, 0.6, 0.55, 0.7])
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=2)
    history = make_model().fit(*data, epochs=5, verbose=0, validation_split=0.25,
                               callbacks=[script, stop])
    assert stop.mode == "max" and history.epoch == [0, 1, 2, 3]


@pytest.mark.parametrize("patience, expected_epochs", [(2, 5), (100, 6)])
def test_restore_best_weights(data, patience, expected_epochs):
    """Best epoch 2; with patience 2 training stops after epoch 4, with patience 100 it runs
    to the end without triggering. Either way the weights are those of epoch 2's end."""
    values = [1.0, 0.8, 0.5, 0.6, 0.7, 0.9]
    recorder = Recorder()
    stop = callbacks.EarlyStopping(monitor="loss", patience=patience,
                                   restore_best_weights=True)
    model = make_model()
    history = model.fit(*data, epochs=6, verbose=0,
                        callbacks=[Script("loss", values), recorder, stop])
    assert len(history.epoch) == expected_epochs
    assert stop.best_epoch == 2
    assert_weights_equal(model.get_weights(), recorder.weights[2])
    assert not np.array_equal(recorder.weights[2][0], recorder.weights[-1][0])
    # the restored weights are live in the model (predictions, further training)
    fresh = make_model()
    fresh.set_weights(recorder.weights[2])
    np.testing.assert_array_equal(model.predict(data[0], verbose=0),
                                  fresh.predict(data[0], verbose=0))


def test_no_restore_keeps_last_weights(data):
    recorder = Recorder()
    model = make_model()
    model.fit(*data, epochs=4, verbose=0, callbacks=[
        Script("loss", [1.0, 0.5, 0.6, 0.7]), recorder,
        callbacks.EarlyStopping(monitor="loss", patience=10)])
    assert_weights_equal(model.get_weights(), recorder.weights[-1])


def test_early_stopping_on_real_val_loss_stops_and_warns_on_missing_metric(data):
    stop = callbacks.EarlyStopping(patience=0, min_delta=10.0)  # nothing ever improves by 10
    history = make_model().fit(*data, epochs=5, verbose=0, validation_split=0.25,
                               callbacks=[stop])
    assert history.epoch == [0, 1]
    with pytest.warns(UserWarning, match="val_loss"):
        make_model().fit(*data, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping()])


# ------------------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_every_epoch(data, tmp_path):
    recorder = Recorder()
    path = str(tmp_path / "model-{epoch:02d}.glassnet")
    make_model().fit(*data, epochs=3, verbose=0,
                     callbacks=[recorder, callbacks.ModelCheckpoint(path)])
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["model-01.glassnet", "model-02.glassnet", "model-03.glassnet"]
    for epoch in range(3):
        loaded = glassnet.models.load_model(path.format(epoch=epoch + 1))
        assert_weights_equal(loaded.get_weights(), recorder.weights[epoch])


def test_model_checkpoint_save_best_only(data, tmp_path):
    recorder = Recorder()
    values = [1.0, 0.8, 0.9, 0.7, 0.75]
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.glassnet"), save_best_only=True)
    each = callbacks.ModelCheckpoint(str(tmp_path / "e{epoch:02d}-{val_loss:.2f}.glassnet"),
                                     save_best_only=True)
    make_model().fit(*data, epochs=5, verbose=0, validation_split=0.25,
                     callbacks=[Script("val_loss", values), recorder, best, each])
    loaded = glassnet.models.load_model(str(tmp_path / "best.glassnet"))
    assert_weights_equal(loaded.get_weights(), recorder.weights[3])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["best.glassnet", "e01-1.00.glassnet", "e02-0.80.glassnet",
                     "e04-0.70.glassnet"]


def test_model_checkpoint_weights_only(data, tmp_path):
    path = str(tmp_path / "w.glassnet")
    model = make_model()
    model.fit(*data, epochs=2, verbose=0, callbacks=[
        callbacks.ModelCheckpoint(path, save_weights_only=True, monitor="loss")])
    fresh = make_model(seed=5)
    fresh.load_weights(path)
    assert_weights_equal(fresh.get_weights(), model.get_weights())


# ------------------------------------------------------------------------ learning rates
def test_learning_rate_scheduler_changes_the_rate_used(data):
    """lr 0.1, then 0 from epoch 1: the weights must not move after epoch 0."""
    recorder = Recorder()
    schedule = callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else 0.0)
    model = make_model(glassnet.optimizers.SGD(0.1))
    history = model.fit(*data, epochs=3, verbose=0, callbacks=[schedule, recorder])
    assert history.history["learning_rate"] == [0.1, 0.0, 0.0]
    assert recorder.lr_at_begin == [0.1, 0.0, 0.0]
    assert_weights_equal(recorder.weights[0], recorder.weights[2])
    assert model.optimizer.learning_rate == 0.0


def test_learning_rate_scheduler_halving(data):
    schedule = callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 * 0.5 ** epoch)
    history = make_model().fit(*data, epochs=4, verbose=0, callbacks=[schedule])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.005, 0.0025, 0.00125])
    assert list(history.history) == ["accuracy", "loss", "learning_rate"]


def test_reduce_lr_on_plateau(data):
    """Flat monitor, patience 2, factor 0.5: the logged rate is the one used in that epoch,
    and a reduction happens at the end of every second non-improving epoch."""
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    recorder = Recorder()
    model = make_model(glassnet.optimizers.SGD(1.0))
    history = model.fit(*data, epochs=6, verbose=0,
                        callbacks=[Script("loss", [1.0] * 6), plateau, recorder])
    assert history.history["learning_rate"] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    assert recorder.lr_at_begin == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25]
    assert model.optimizer.learning_rate == 0.25


def test_reduce_lr_on_plateau_min_lr_and_cooldown(data):
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.1, patience=1, cooldown=2,
                                          min_lr=0.005)
    model = make_model(glassnet.optimizers.SGD(0.1))
    history = model.fit(*data, epochs=6, verbose=0,
                        callbacks=[Script("loss", [1.0] * 6), plateau])
    # epoch 1: reduce to 0.01 and start a cooldown of 2; as in Keras the counter is decreased
    # before the check, so only epoch 2 is skipped; epoch 3: reduce, but not below min_lr
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.005,
                                                              0.005])
    with pytest.raises(ValueError):
        callbacks.ReduceLROnPlateau(factor=1.5)


def test_reduce_lr_on_plateau_improvement_resets(data):
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    model = make_model(glassnet.optimizers.SGD(1.0))
    history = model.fit(*data, epochs=5, verbose=0,
                        callbacks=[Script("loss", [1.0, 1.0, 0.5, 0.5, 0.5]), plateau])
    assert history.history["learning_rate"] == [1.0, 1.0, 1.0, 1.0, 1.0]
    assert model.optimizer.learning_rate == 0.5


def test_reduce_lr_on_plateau_starts_afresh_in_each_fit(data):
    """Keras resets best, wait and cooldown in on_train_begin: a reused callback does not
    compare the new run's values with the old run's best."""
    plateau = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    model = make_model(glassnet.optimizers.SGD(1.0))
    model.fit(*data, epochs=1, verbose=0, callbacks=[Script("loss", [0.1]), plateau])
    history = model.fit(*data, epochs=2, verbose=0,
                        callbacks=[Script("loss", [5.0, 4.0]), plateau])
    assert history.history["learning_rate"] == [1.0, 1.0]
    assert model.optimizer.learning_rate == 1.0


# ------------------------------------------------------------------------ TerminateOnNaN
def test_terminate_on_nan_sets_stop_training():
    model = make_model()
    cb = callbacks.TerminateOnNaN()
    cb.set_model(model)
    model.stop_training = False
    cb.on_train_batch_end(0, {"loss": 0.5})
    assert not model.stop_training
    cb.on_train_batch_end(1, {"loss": float("nan")})
    assert model.stop_training
    model.stop_training = False
    cb.on_train_batch_end(2, {"loss": float("inf")})
    assert model.stop_training


def test_terminate_on_nan_stops_a_diverging_fit(data):
    x, _ = data
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dense(1)])
    model.compile(optimizer=glassnet.optimizers.SGD(1e6), loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow warnings from the diverging weights
        history = model.fit(x, x[:, :1] * 1e3, epochs=20, verbose=0,
                            callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.epoch) < 20


# ------------------------------------------------------------------------ custom callbacks
class Order(callbacks.Callback):
    """Overrides every training hook in the class (``fit`` only calls overridden batch
    hooks), recording ``(hook, epoch/batch, log keys)``."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def _add(self, hook, index=None, logs=None):
        self.calls.append((hook, index, None if logs is None else sorted(logs)))

    def on_train_begin(self, logs=None):
        self._add("on_train_begin", logs=logs)
        assert self.params["epochs"] == 2 and self.params["steps"] == 3

    def on_train_end(self, logs=None):
        self._add("on_train_end")

    def on_epoch_begin(self, epoch, logs=None):
        self._add("on_epoch_begin", epoch)

    def on_epoch_end(self, epoch, logs=None):
        self._add("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._add("on_train_batch_begin", batch)

    def on_train_batch_end(self, batch, logs=None):
        self._add("on_train_batch_end", batch, logs)


def test_custom_callback_hook_order(data):
    x, y = data
    order = Order()
    model = make_model()
    model.fit(x[:72], y[:72], batch_size=32, epochs=2, verbose=0, callbacks=[order])
    expected = [("on_train_begin", None, [])]  # Keras passes a dict to every hook
    for epoch in range(2):
        expected.append(("on_epoch_begin", epoch, None))
        for batch in range(3):  # 72 samples in batches of 32: 32, 32, 8
            expected += [("on_train_batch_begin", batch, None),
                         ("on_train_batch_end", batch, ["accuracy", "loss"])]
        expected.append(("on_epoch_end", epoch, ["accuracy", "loss"]))
    expected.append(("on_train_end", None, None))
    assert [(h, i, keys) for h, i, keys in order.calls] == expected
    assert order.model is model


class AllHooks(callbacks.Callback):
    """Records every Keras hook it receives, with the batch/epoch index and log keys."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def _add(self, hook, index=None, logs=None):
        self.calls.append((hook, index, None if logs is None else sorted(logs)))


for _hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
              "on_predict_begin", "on_predict_end"):
    setattr(AllHooks, _hook, lambda self, logs=None, _h=_hook: self._add(_h, None, logs))
for _hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
              "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
              "on_predict_batch_end"):
    setattr(AllHooks, _hook, lambda self, i, logs=None, _h=_hook: self._add(_h, i, logs))


def test_validation_runs_the_test_hooks_before_epoch_end(data):
    """Keras's order: the epoch's batches, then on_test_* for the validation data, then
    on_epoch_end with val_ logs."""
    x, y = data
    hooks = AllHooks()
    make_model().fit(x[:40], y[:40], epochs=1, verbose=0, validation_data=(x[40:90], y[40:90]),
                     callbacks=[hooks])
    keys = ["accuracy", "loss"]
    assert [c[:2] for c in hooks.calls] == [
        ("on_train_begin", None), ("on_epoch_begin", 0),
        ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
        ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
        ("on_test_begin", None),
        ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
        ("on_test_batch_begin", 1), ("on_test_batch_end", 1),
        ("on_test_end", None), ("on_epoch_end", 0), ("on_train_end", None)]
    assert hooks.calls[-4] == ("on_test_batch_end", 1, keys)
    assert hooks.calls[-3] == ("on_test_end", None, keys)
    assert hooks.calls[-2] == ("on_epoch_end", 0, keys + ["val_accuracy", "val_loss"])


def test_evaluate_and_predict_take_callbacks(data):
    x, y = data
    model = make_model()
    hooks = AllHooks()
    result = model.evaluate(x[:40], y[:40], verbose=0, callbacks=[hooks], return_dict=True)
    assert [c[:2] for c in hooks.calls] == [
        ("on_test_begin", None), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
        ("on_test_batch_begin", 1), ("on_test_batch_end", 1), ("on_test_end", None)]
    assert hooks.model is model
    hooks.calls.clear()
    out = model.predict(x[:40], verbose=0, callbacks=[hooks])
    assert [c[:2] for c in hooks.calls] == [
        ("on_predict_begin", None), ("on_predict_batch_begin", 0), ("on_predict_batch_end", 0),
        ("on_predict_batch_begin", 1), ("on_predict_batch_end", 1), ("on_predict_end", None)]
    assert hooks.calls[2][2] == ["outputs"] and out.shape == (40, 2)
    assert set(result) == {"accuracy", "loss"}


def test_callback_can_stop_training(data):
    class StopAfterTwo(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    history = make_model().fit(*data, epochs=10, verbose=0, callbacks=[StopAfterTwo()])
    assert history.epoch == [0, 1]


def test_batch_logs_are_running_means(data):
    x, y = data

    class Batches(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.logs = []

        def on_train_batch_end(self, batch, logs=None):
            self.logs.append(dict(logs))

    model, reference = make_model(), make_model()
    batches = Batches()
    history = model.fit(x, y, epochs=1, shuffle=False, verbose=0, callbacks=[batches])
    losses = [reference.train_on_batch(x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)]
    np.testing.assert_allclose([b["loss"] for b in batches.logs], np.cumsum(losses) /
                               np.arange(1, 4), rtol=1e-6)
    assert batches.logs[-1]["loss"] == pytest.approx(history.history["loss"][0])


# ------------------------------------------------------------------------ Keras 2 aliases
def test_on_batch_end_alias_is_called_from_fit(data):
    class Old(callbacks.Callback):  # a Keras 2 program's callback
        def __init__(self):
            super().__init__()
            self.begins, self.ends = [], []

        def on_batch_begin(self, batch, logs=None):
            self.begins.append(batch)

        def on_batch_end(self, batch, logs=None):
            self.ends.append((batch, sorted(logs)))

    old = Old()
    assert callbacks.overrides(old, "on_train_batch_end")
    make_model().fit(*data, epochs=1, batch_size=32, verbose=0, callbacks=[old])
    assert old.begins == [0, 1, 2]
    assert old.ends == [(b, ["accuracy", "loss"]) for b in range(3)]


def test_lambda_callback_keras2_and_keras3_names(data):
    seen = {"epochs": [], "batches": 0, "old_batches": 0}
    cb = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen["epochs"].append((epoch, round(logs["loss"], 6))),
        on_train_batch_end=lambda batch, logs: seen.__setitem__("batches", seen["batches"] + 1))
    old = callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: seen.__setitem__("old_batches", seen["old_batches"] + 1))
    history = make_model().fit(*data, epochs=2, batch_size=48, verbose=0, callbacks=[cb, old])
    assert seen["epochs"] == [(e, round(history.history["loss"][e], 6)) for e in range(2)]
    assert seen["batches"] == seen["old_batches"] == 4
    ended = []
    callbacks.LambdaCallback(on_train_end=lambda logs: ended.append(logs)).on_train_end({})
    assert ended == [{}]
    with pytest.raises(TypeError, match="not a callback hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)


@pytest.mark.parametrize("make", [
    lambda p: callbacks.CSVLogger(str(p / "log.csv")), lambda p: callbacks.TerminateOnNaN(),
    lambda p: callbacks.LambdaCallback(on_epoch_end=lambda e, logs: None),
    lambda p: callbacks.ModelCheckpoint(str(p / "m-{epoch}.glassnet")),
    lambda p: callbacks.BackupAndRestore(str(p / "backup")), lambda p: callbacks.History(),
])
def test_hooks_accept_logs_none(make, tmp_path):
    cb = make(tmp_path)
    cb.set_model(make_model())
    cb.set_params({"epochs": 1, "steps": 1, "verbose": 0})
    cb.on_train_begin(None)
    cb.on_epoch_begin(0, None)
    cb.on_train_batch_begin(0, None)
    cb.on_train_batch_end(0, None)
    cb.on_batch_end(0, None)
    cb.on_epoch_end(0, None)
    cb.on_train_end(None)


# ------------------------------------------------------------------------ CSVLogger
def test_csv_logger_rows_match_history(data, tmp_path):
    path = tmp_path / "log.csv"
    history = make_model().fit(*data, epochs=2, verbose=0, validation_split=0.25,
                               callbacks=[callbacks.CSVLogger(str(path))])
    text = path.read_bytes().decode()
    assert text.startswith("epoch,accuracy,loss,val_accuracy,val_loss\r\n")
    rows = [line.split(",") for line in text.split("\r\n")[1:] if line]
    assert [int(r[0]) for r in rows] == [0, 1]
    for i, key in enumerate(["accuracy", "loss", "val_accuracy", "val_loss"], start=1):
        assert [float(r[i]) for r in rows] == pytest.approx(history.history[key], rel=1e-6)


def test_csv_logger_append_separator_and_missing_val(data, tmp_path):
    path = tmp_path / "log.tsv"
    model = make_model()
    model.fit(*data, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(str(path), "\t")])
    model.fit(*data, epochs=1, verbose=0,
              callbacks=[callbacks.CSVLogger(str(path), separator="\t", append=True)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch\taccuracy\tloss\tval_accuracy\tval_loss"  # Keras 3: NA columns
    assert len(lines) == 3 and lines[1].endswith("\tNA\tNA") and lines[2].startswith("0\t")


# ------------------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_save_freq_in_batches_into_a_new_folder(data, tmp_path):
    path = tmp_path / "ck" / "sub" / "m-{epoch:02d}-{batch}.glassnet"
    make_model().fit(*data, epochs=2, batch_size=32, verbose=0,
                     callbacks=[callbacks.ModelCheckpoint(str(path), save_freq=2)])
    names = sorted(p.name for p in (tmp_path / "ck" / "sub").iterdir())
    assert names == ["m-01-2.glassnet", "m-02-1.glassnet", "m-02-3.glassnet"]


def test_model_checkpoint_creates_folder_weights_only_and_threshold(data, tmp_path):
    path = tmp_path / "new" / "w-{epoch}-{loss:.3f}.glassnet"
    history = make_model().fit(*data, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(
        path, monitor="loss", save_weights_only=True, save_best_only=True,
        initial_value_threshold=-1.0)])
    assert history.history["loss"] and not (tmp_path / "new").exists()  # never beat -1
    make_model().fit(*data, epochs=1, verbose=0, callbacks=[callbacks.ModelCheckpoint(
        path, monitor="loss", save_weights_only=True)])
    assert len(list((tmp_path / "new").iterdir())) == 1


def test_model_checkpoint_bad_settings_name_the_fix(data, tmp_path):
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("m.glassnet", save_freq="batch")
    cb = callbacks.ModelCheckpoint(str(tmp_path / "{val_loss:.2f}.glassnet"))
    with pytest.raises(KeyError, match="val_loss.*validation_split"):
        make_model().fit(*data, epochs=1, verbose=0, callbacks=[cb])


# ------------------------------------------------------------------------ BackupAndRestore
class Crash(callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("power cut")


def test_backup_and_restore_saves_each_epoch_and_restores(data, tmp_path):
    backup = tmp_path / "backup"
    recorder = Recorder()
    model = make_model()
    with pytest.raises(RuntimeError, match="power cut"):
        model.fit(*data, epochs=5, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(str(backup)), recorder, Crash(2)])
    assert sorted(p.name for p in backup.iterdir()) == ["latest.glassnet",
                                                         "training_metadata.json"]
    steps_done = model.optimizer.iterations

    class AtStart(callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.weights = self.model.get_weights()
            self.iterations = self.model.optimizer.iterations
            raise RuntimeError("stop here")

    fresh, at_start = make_model(seed=9), AtStart()
    restore = callbacks.BackupAndRestore(str(backup))
    with pytest.raises(RuntimeError, match="stop here"):
        fresh.fit(*data, epochs=5, verbose=0, callbacks=[restore, at_start])
    assert_weights_equal(at_start.weights, recorder.weights[1])  # the end of epoch 2 (of 5)
    assert at_start.iterations == steps_done  # Adam's moments and step count came back
    assert restore.initial_epoch == 2 and fresh.resume_epoch == 2


def test_backup_is_deleted_after_a_complete_fit(data, tmp_path):
    backup = tmp_path / "b"
    make_model().fit(*data, epochs=2, verbose=0, callbacks=[callbacks.BackupAndRestore(backup)])
    assert not backup.exists()
    make_model().fit(*data, epochs=1, verbose=0, callbacks=[
        callbacks.BackupAndRestore(backup, save_freq=1, delete_checkpoint=False)])
    # saved after each batch: the last one says "in epoch 0, after 3 batches", as Keras 3
    meta = (backup / "training_metadata.json").read_text()
    assert meta == '{"epoch": 0, "batch": 3}'


def test_history_answers_the_names_older_keras_logged():
    """Deep Learning with Python (1st ed.) reads history["acc"] and
    history["val_mean_absolute_error"], the names Keras 2.2 logged for metrics=["accuracy"]
    and ["mae"]; the keys stay the ones you wrote (as Keras 3), the old names answer with one
    warning, and a name no metric has is still a KeyError."""
    from glassnet import legacy
    legacy._WARNED.clear()
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 4)), rng.integers(0, 2, 16)
    model = glassnet.Sequential([glassnet.Input((4,)),
                                 glassnet.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy", "mae"])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0).history
    assert sorted(history) == ["accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]
    with pytest.warns(UserWarning, match="'val_accuracy'"):
        assert history["val_acc"] == history["val_accuracy"]
    with pytest.warns(UserWarning, match="'mae'"):
        assert history["mean_absolute_error"] == history["mae"]
    assert "acc" not in history and history.get("acc") is None
    with pytest.raises(KeyError):
        history["val_mse"]
    model.compile("adam", "binary_crossentropy", metrics=[glassnet.metrics.binary_accuracy])
    history = model.fit(x, y, epochs=1, verbose=0).history
    with pytest.warns(UserWarning, match="'binary_accuracy'"):
        assert history["acc"] == history["binary_accuracy"]
