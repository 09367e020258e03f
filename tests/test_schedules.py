"""Learning-rate schedules: Keras's formulas, their use by the optimizers, and saving."""

import json
import math
import zipfile

import numpy as np
import pytest

import glassnet as gn
from glassnet import optimizers
from glassnet.errors import ModelFileError, UnknownNameError
from glassnet.optimizers import schedules


def test_exponential_decay_formula():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert s(0) == pytest.approx(0.1)
    assert s(10) == pytest.approx(0.05)
    assert s(5) == pytest.approx(0.1 * 0.5 ** 0.5)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
    assert [stairs(t) for t in (0, 9, 10, 19, 20)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_cosine_decay_formula():
    s = schedules.CosineDecay(0.004, decay_steps=100, alpha=0.25)
    assert s(0) == pytest.approx(0.004)
    assert s(50) == pytest.approx(0.004 * (0.75 * 0.5 + 0.25))  # cos(π/2) = 0
    assert s(100) == pytest.approx(0.001) and s(1000) == pytest.approx(0.001)  # flat at α·η₀
    assert s(25) == pytest.approx(0.004 * (0.75 * 0.5 * (1 + math.cos(math.pi / 4)) + 0.25))


def test_cosine_decay_warmup():
    s = schedules.CosineDecay(0.0, decay_steps=100, warmup_target=0.01, warmup_steps=20)
    assert [s(0), s(10), s(20)] == pytest.approx([0.0, 0.005, 0.01])
    assert s(70) == pytest.approx(0.005)  # halfway down the cosine, which starts at step 20
    assert s(500) == pytest.approx(0.0)


def test_piecewise_constant_boundaries_belong_to_the_left():
    s = schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])
    assert [s(t) for t in (0, 10, 11, 20, 21, 10**6)] == [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    with pytest.raises(ValueError, match="one more value"):
        schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01])
    with pytest.raises(ValueError, match="increase"):
        schedules.PiecewiseConstantDecay([20, 10], [0.1, 0.01, 0.001])


def test_bad_settings_name_the_fix():
    with pytest.raises(ValueError, match="decay_steps must be a positive number"):
        schedules.CosineDecay(0.01, decay_steps=0)
    with pytest.raises(ValueError, match="warmup_steps > 0"):
        schedules.CosineDecay(0.0, 100, warmup_target=0.01)
    with pytest.raises(UnknownNameError, match="CosineDecay"):
        schedules.deserialize({"class_name": "CosineDecy", "config": {}})


def test_same_values_as_keras():
    keras = pytest.importorskip("keras")
    ks = keras.optimizers.schedules
    pairs = [
        (schedules.CosineDecay(0.004, 100, alpha=0.1), ks.CosineDecay(0.004, 100, alpha=0.1)),
        (schedules.CosineDecay(0.0, 100, warmup_target=0.01, warmup_steps=20),
         ks.CosineDecay(0.0, 100, warmup_target=0.01, warmup_steps=20)),
        (schedules.ExponentialDecay(0.01, 30, 0.5), ks.ExponentialDecay(0.01, 30, 0.5)),
        (schedules.ExponentialDecay(0.01, 30, 0.5, staircase=True),
         ks.ExponentialDecay(0.01, 30, 0.5, staircase=True)),
        (schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001]),
         ks.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])),
    ]
    for mine, theirs in pairs:
        for t in range(0, 150, 7):
            assert mine(t) == pytest.approx(float(theirs(t)), rel=1e-6, abs=1e-9)


def test_optimizer_uses_schedule_of_the_steps_already_made():
    """Step t (from 0) uses schedule(t), as Keras's optimizer.iterations does."""
    s = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.1, 0.01])
    opt = optimizers.SGD(learning_rate=s)
    theta = np.zeros(1, np.float32)
    for _ in range(3):
        opt.step(theta, np.ones(1, np.float32))
    assert theta[0] == pytest.approx(-(1.0 + 0.1 + 0.01))
    assert opt.learning_rate == pytest.approx(0.01)


def test_schedule_is_saved_and_training_resumes_identically(tmp_path):
    rng = np.random.default_rng(0)
    x, y = rng.random((96, 4)), rng.integers(0, 3, 96)

    def model():
        gn.utils.set_random_seed(1)
        m = gn.Sequential([gn.layers.Dense(3, activation="softmax", input_shape=(4,))])
        lr = schedules.CosineDecay(0.05, decay_steps=12)
        m.compile(optimizers.Adam(learning_rate=lr), "sparse_categorical_crossentropy")
        return m

    a, b = model(), model()
    a.fit(x, y, epochs=4, batch_size=32, verbose=0, shuffle=False)
    b.fit(x, y, epochs=2, batch_size=32, verbose=0, shuffle=False)
    b.save(tmp_path / "b.glassnet")
    c = gn.load_model(tmp_path / "b.glassnet")
    assert isinstance(c.optimizer.schedule, schedules.CosineDecay)
    assert c.optimizer.get_config() == b.optimizer.get_config()
    c.fit(x, y, epochs=2, batch_size=32, verbose=0, shuffle=False)
    for wa, wc in zip(a.get_weights(), c.get_weights()):
        np.testing.assert_array_equal(wa, wc)


def test_model_file_with_a_foreign_schedule_is_refused(tmp_path):
    m = gn.Sequential([gn.layers.Dense(2, input_shape=(3,))])
    m.compile(optimizers.SGD(schedules.ExponentialDecay(0.1, 10, 0.9)), "mse")
    path = tmp_path / "m.glassnet"
    m.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    config = json.loads(members["config.json"])
    config["compile"]["optimizer"]["learning_rate"] = {"class_name": "os.system",
                                                      "config": {"command": "ls"}}
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ModelFileError, match="learning_rate"):
        gn.load_model(path)


@pytest.mark.parametrize("callback", [
    lambda: gn.callbacks.LearningRateScheduler(lambda epoch, lr: lr / 2),
    lambda: gn.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0),
])
def test_callbacks_that_set_the_rate_refuse_a_schedule(callback):
    """As Keras: the rate is the schedule's, and a callback must not silently lose to it."""
    rng = np.random.default_rng(0)
    m = gn.Sequential([gn.layers.Dense(2, input_shape=(3,))])
    m.compile(optimizers.Adam(schedules.ExponentialDecay(0.01, 10, 0.5)), "mse")
    with pytest.raises(TypeError, match="schedule"):
        m.fit(rng.random((16, 3)), rng.random((16, 2)), epochs=2, verbose=0,
              callbacks=[callback()])


def test_inverse_time_decay_formula():
    # Keras's docstring: initial / (1 + decay_rate * step / decay_steps)
    s = schedules.InverseTimeDecay(0.1, decay_steps=1.0, decay_rate=0.5)
    assert [s(t) for t in (0, 1, 2, 4)] == pytest.approx([0.1, 0.1 / 1.5, 0.05, 0.1 / 3])
    s = schedules.InverseTimeDecay(0.001, decay_steps=1000, decay_rate=1, staircase=True)
    assert [s(t) for t in (0, 999, 1000, 2500)] == pytest.approx([1e-3, 1e-3, 5e-4, 1e-3 / 3])


def test_polynomial_decay_formula():
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=2.0)
    assert s(0) == pytest.approx(0.1) and s(10) == pytest.approx(0.01)
    assert s(5) == pytest.approx(0.09 * 0.25 + 0.01) and s(50) == pytest.approx(0.01)
    c = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0, cycle=True)
    # cycling: at step 15 the decay runs over 20 steps
    assert c(0) == pytest.approx(0.1) and c(15) == pytest.approx(0.1 * (1 - 15 / 20))


def test_new_schedules_same_values_as_keras():
    keras = pytest.importorskip("keras")
    ks = keras.optimizers.schedules
    pairs = [
        (schedules.InverseTimeDecay(0.01, 30, 0.5), ks.InverseTimeDecay(0.01, 30, 0.5)),
        (schedules.InverseTimeDecay(0.01, 30, 0.5, staircase=True),
         ks.InverseTimeDecay(0.01, 30, 0.5, staircase=True)),
        (schedules.PolynomialDecay(0.01, 100, 0.001, power=0.5),
         ks.PolynomialDecay(0.01, 100, 0.001, power=0.5)),
        (schedules.PolynomialDecay(0.01, 40, cycle=True), ks.PolynomialDecay(0.01, 40, cycle=True)),
    ]
    for mine, theirs in pairs:
        for t in range(0, 150, 7):
            assert mine(t) == pytest.approx(float(theirs(t)), rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("schedule", [schedules.InverseTimeDecay(0.05, 4, 0.5, staircase=True),
                                      schedules.PolynomialDecay(0.05, 6, power=2.0)])
def test_new_schedules_are_saved_with_the_model(schedule, tmp_path):
    m = gn.Sequential([gn.layers.Dense(2, activation="softmax", input_shape=(3,))])
    m.compile(optimizers.SGD(learning_rate=schedule), "sparse_categorical_crossentropy")
    m.fit(np.ones((8, 3)), np.zeros(8, int), epochs=1, batch_size=4, verbose=0)
    m.save(tmp_path / "m.glassnet")
    c = gn.load_model(tmp_path / "m.glassnet")
    assert type(c.optimizer.schedule) is type(schedule)
    assert c.optimizer.schedule.get_config() == schedule.get_config()
    assert c.optimizer.learning_rate == pytest.approx(schedule(2))
