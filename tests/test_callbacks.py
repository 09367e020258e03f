"""Callbacks, with Keras's semantics: EarlyStopping, ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, TerminateOnNaN and plain Callback subclasses.

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
