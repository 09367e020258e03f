"""Training survives faults: a NaN/inf loss stops fit with the last finite weights and a
message naming the epoch and batch; Ctrl-C ends fit cleanly after the current step."""

from __future__ import annotations

import os
import signal
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import callbacks, layers
from glassnet.errors import NonFiniteLossWarning, TrainingInterrupted

RNG = np.random.default_rng(11)
X = RNG.random((64, 4)).astype(np.float32)
Y = RNG.integers(0, 3, 64)
STEPS = 8  # 64 samples in batches of 8


@pytest.fixture(autouse=True)
def default_sigint():
    """Ctrl-C as in a terminal. A shell that starts pytest in the background (``cmd &``
    without job control) sets SIGINT to "ignore", and glassnet leaves an ignored SIGINT
    alone; these tests are about the default."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def make_model(optimizer="adam"):
    glassnet.utils.set_random_seed(7)
    model = glassnet.Sequential([layers.Dense(6, activation="relu", input_shape=(4,)),
                                 layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def same(a, b) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a, b))


class Recorder(callbacks.Callback):
    """Keeps the weights after every batch, and at every epoch start."""

    def __init__(self):
        super().__init__()
        self.after_batch, self.at_epoch_begin = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.at_epoch_begin.append(self.model.get_weights())

    def on_train_batch_end(self, batch, logs=None):
        self.after_batch.append(self.model.get_weights())


class AtBatch(callbacks.Callback):
    """Runs ``action(model)`` in ``hook`` (begin or end) of batch ``batch`` of ``epoch``."""

    def __init__(self, epoch, batch, action, hook="end"):
        super().__init__()
        self.at, self.action, self.hook, self.current = (epoch, batch), action, hook, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.hook == "begin" and (self.current, batch) == self.at:
            self.action(self.model)

    def on_train_batch_end(self, batch, logs=None):
        if self.hook == "end" and (self.current, batch) == self.at:
            self.action(self.model)


# -- NaN / inf loss ------------------------------------------------------------------
def test_nan_in_the_data_mid_training_stops_with_the_last_finite_weights():
    model = make_model()
    x = X.copy()  # float32 and contiguous: fit trains on this very array

    def poison(model):
        x[40:48] = np.nan  # batch 6 of the next epochs (no shuffle)

    recorder = Recorder()
    with pytest.warns(NonFiniteLossWarning) as record:
        history = model.fit(x, Y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                            callbacks=[AtBatch(0, 7, poison), recorder])
    message = str(record[0].message)
    assert "epoch 2/4, batch 6/8" in message and "nan" in message
    assert "learning rate" in message  # says what to try
    assert history.epoch == [0]  # the partial epoch 2 is not recorded
    assert same(model.get_weights(), recorder.after_batch[-1])  # after batch 5 of epoch 2
    assert len(recorder.after_batch) == STEPS + 5
    assert model.optimizer.iterations == STEPS + 5  # the NaN step was not applied
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_nan_written_into_a_weight_restores_the_weights_of_the_epoch_start():
    model = make_model()

    def corrupt(model):
        model.layers[0].params["kernel"][0, 0] = np.nan

    recorder = Recorder()
    with pytest.warns(NonFiniteLossWarning, match=r"epoch 2/3, batch 4/8") as record:
        model.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                  callbacks=[AtBatch(1, 2, corrupt), recorder])
    assert "start of epoch 2" in str(record[0].message)
    assert same(model.get_weights(), recorder.at_epoch_begin[1])
    assert model.optimizer.iterations == STEPS  # the optimizer state went back too
    # training can go on from there
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_diverging_training_stops_with_finite_weights():
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dense(1)])
    model.compile(optimizer=glassnet.optimizers.SGD(1e3), loss="mse")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow while diverging
        warnings.simplefilter("always", NonFiniteLossWarning)
        with pytest.warns(NonFiniteLossWarning, match=r"epoch \d+/50, batch \d+/2"):
            history = model.fit(X, X[:, :1] * 1e3, epochs=50, verbose=0)
    assert len(history.epoch) < 50
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_terminate_on_nan_false_trains_on():
    model = make_model()
    clean = X.copy()  # poisoned by a callback after the first batch, past the entry check
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteLossWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        model.fit(clean, Y, batch_size=8, epochs=2, verbose=0, terminate_on_nan=False,
                  callbacks=[AtBatch(0, 0, lambda m: clean.__setitem__(10, np.nan))])
    assert model.optimizer.iterations == 2 * STEPS
    assert not all(np.isfinite(w).all() for w in model.get_weights())


def test_on_train_end_runs_after_a_nan_stop():
    ended = []

    class End(callbacks.Callback):
        def on_train_end(self, logs=None):
            ended.append(True)

    model = make_model()
    x = X.copy()
    with pytest.warns(NonFiniteLossWarning), np.errstate(invalid="ignore"):
        model.fit(x, Y, batch_size=8, verbose=0, shuffle=False,
                  callbacks=[AtBatch(0, 1, lambda m: x.__setitem__(slice(None), np.inf)),
                             End()])
    assert ended == [True]
    assert model.terminate_on_nan is False  # train_on_batch keeps Keras's behaviour


# -- Ctrl-C ------------------------------------------------------------------------------
def test_keyboard_interrupt_from_a_callback_ends_cleanly_and_is_reported():
    model = make_model()
    recorder = Recorder()

    def interrupt(model):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as info:  # reported, not swallowed
        model.fit(X, Y, batch_size=8, epochs=5, verbose=0,
                  callbacks=[recorder, AtBatch(2, 4, interrupt)])
    err = info.value
    assert isinstance(err, TrainingInterrupted)
    assert "epoch 3/5 after batch 5/8" in str(err)
    assert "2 completed epoch(s)" in str(err) and "initial_epoch=2" in str(err)
    assert (err.epoch, err.batch) == (2, 4)
    assert model.history is err.history and err.history.epoch == [0, 1]
    assert len(err.history.history["loss"]) == 2
    assert same(model.get_weights(), recorder.after_batch[-1])
    assert model.optimizer.iterations == 2 * STEPS + 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    model.fit(X, Y, batch_size=8, epochs=5, initial_epoch=2, verbose=0)  # resumes fine


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_ctrl_c_stops_after_the_current_step(capsys):
    model = make_model()
    recorder = Recorder()

    def press_ctrl_c(model):
        os.kill(os.getpid(), signal.SIGINT)  # arrives before this batch's train_step

    with pytest.raises(TrainingInterrupted) as info:
        model.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                  callbacks=[recorder, AtBatch(1, 3, press_ctrl_c, "begin")])
    assert (info.value.epoch, info.value.batch) == (1, 3)  # batch 3 itself was completed
    assert model.optimizer.iterations == STEPS + 4
    assert same(model.get_weights(), recorder.after_batch[-1])
    assert model.history.epoch == [0]
    assert "stopping after the current step" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_handler_is_restored_after_a_normal_fit():
    model = make_model()
    model.fit(X, Y, epochs=1, verbose=0)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_stop_training_from_a_callback_stops_after_that_batch():
    """As in Keras: fit checks ``stop_training`` after every batch."""
    model = make_model()

    def stop(model):
        model.stop_training = True

    history = model.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                        callbacks=[AtBatch(0, 2, stop)])
    assert model.optimizer.iterations == 3
    assert history.epoch == [0]


# -- Ctrl-C pressed again and again ----------------------------------------------------------
def state_of(model) -> bytes:
    """θ, the optimizer's state vectors and step count, as bytes to compare."""
    opt = model.optimizer
    return b"".join([model.parameters.theta.tobytes(), str(opt.iterations).encode()]
                    + [opt.state[k].tobytes() for k in sorted(opt.state)])


def big_step_model():
    """160,802 weights (two of the optimizer's chunks) and tiny batches: most of a step's
    time is the optimizer's update, where an interrupt would leave it half applied."""
    glassnet.utils.set_random_seed(3)
    model = glassnet.Sequential([layers.Input(shape=(400,)), layers.Dense(400, "relu"),
                                 layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


BIG_X = np.random.default_rng(5).random((40, 400)).astype(np.float32)
BIG_Y = np.arange(40) % 2


class Started(callbacks.Callback):
    def __init__(self, event):
        super().__init__()
        self.event = event

    def on_train_begin(self, logs=None):
        self.event.set()


class States(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.after = {}

    def on_train_batch_end(self, batch, logs=None):
        self.after[self.model.optimizer.iterations] = state_of(self.model)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_repeated_ctrl_c_leaves_the_state_of_a_whole_number_of_steps(monkeypatch):
    import threading
    import time

    reference = States()
    big_step_model().fit(BIG_X, BIG_Y, batch_size=4, epochs=12, verbose=0,
                         callbacks=[reference])
    stray = []  # Ctrl-Cs that arrive after fit has returned: counted, not raised

    def after_fit(signum, frame):
        stray.append(signum)

    signal.signal(signal.SIGINT, after_fit)
    monkeypatch.setattr(signal, "default_int_handler", after_fit)  # fit installs its guard
    rng = np.random.default_rng(0)
    outcomes = []
    for _ in range(25):
        model = big_step_model()
        delays = [rng.uniform(0, 0.02)] + list(rng.uniform(0, 0.002, rng.integers(1, 4)))

        started = threading.Event()  # the guard is installed before on_train_begin

        def press(delays=delays, started=started):
            started.wait(10)
            for delay in delays:
                time.sleep(delay)
                os.kill(os.getpid(), signal.SIGINT)

        sender = threading.Thread(target=press)
        sender.start()
        try:
            model.fit(BIG_X, BIG_Y, batch_size=4, epochs=12, verbose=0,
                      callbacks=[Started(started)])
            outcomes.append("finished")
        except TrainingInterrupted:
            outcomes.append("interrupted")
        except KeyboardInterrupt:  # a bare one overtook TrainingInterrupted
            outcomes.append("bare KeyboardInterrupt")
        sender.join()
        steps = model.optimizer.iterations
        assert state_of(model) == reference.after[steps], f"not the state after step {steps}"
    assert outcomes == ["interrupted"] * 25


class PressedDuringUpdate(glassnet.optimizers.Adam):
    """Adam that gets Ctrl-C twice half-way through its update of step ``at``."""

    def __init__(self, at, **kwargs):
        super().__init__(**kwargs)
        self.at = at

    def update(self, theta, g, state, tmp):
        state["m"] *= self.beta_1  # half of the update done ...
        if self.iterations == self.at:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        state["m"] /= self.beta_1  # ... undone, then the real update
        super().update(theta, g, state, tmp)


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_two_ctrl_c_inside_the_optimizer_update_let_the_step_finish():
    model = make_model(optimizer=PressedDuringUpdate(at=11))
    recorder = Recorder()
    with pytest.raises(TrainingInterrupted, match="last completed step") as info:
        model.fit(X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[recorder])
    assert model.optimizer.iterations == 11 and (info.value.epoch, info.value.batch) == (1, 2)
    reference = make_model()
    reference.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                  callbacks=[AtBatch(1, 2, lambda m: setattr(m, "stop_training", True))])
    assert reference.optimizer.iterations == 11
    assert same(model.get_weights(), reference.get_weights())
    assert same(model.get_weights(), recorder.after_batch[-1])


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_a_second_ctrl_c_outside_a_step_stops_at_once():
    model = make_model()
    recorder = Recorder()
    seen = []

    def slow_callback(model):  # e.g. a checkpoint that hangs: the second Ctrl-C ends it
        os.kill(os.getpid(), signal.SIGINT)
        seen.append("first")
        os.kill(os.getpid(), signal.SIGINT)
        seen.append("not reached")

    with pytest.raises(TrainingInterrupted):
        model.fit(X, Y, batch_size=8, epochs=3, verbose=0,
                  callbacks=[recorder, AtBatch(0, 4, slow_callback)])
    assert seen == ["first"]
    assert model.optimizer.iterations == 5
    assert same(model.get_weights(), recorder.after_batch[-1])
