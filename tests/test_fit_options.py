"""fit's sample_weight, class_weight, steps_per_epoch and validation_freq, as in Keras."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet
from glassnet import layers, optimizers
from glassnet.errors import InputError


def model(loss="sparse_categorical_crossentropy", units=3, activation="softmax", seed=0):
    glassnet.utils.set_random_seed(seed)
    m = glassnet.Sequential([layers.Dense(4, activation="tanh", input_shape=(5,)),
                             layers.Dense(units, activation=activation)])
    m.compile(optimizer=optimizers.SGD(0.1), loss=loss)
    return m


def data(n=48, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 5)), rng.integers(0, 3, n)


@pytest.mark.parametrize("loss,units,activation,target", [
    ("sparse_categorical_crossentropy", 3, "softmax", "sparse"),  # fused with softmax
    ("mse", 2, "sigmoid", "regression"),                            # not fused
])
def test_weighted_loss_gradient_matches_central_differences(loss, units, activation, target,
                                                            float64):
    x, labels = data(8)
    y = labels if target == "sparse" else np.random.default_rng(2).standard_normal((8, 2))
    w = np.random.default_rng(3).uniform(0.1, 3, 8)
    m = model(loss, units, activation)
    (xb,), (yb,) = m.prepare(x, y)
    theta = m.bind().theta
    m.compile(optimizer=optimizers.SGD(0.0), loss=loss)
    loss_value, _ = m.train_step([xb], [yb], w)
    g = m.parameters.grad[:m.parameters.n_trainable].copy()
    per = m.compiled_outputs()[0].loss.call(yb, m.predict(xb, verbose=0))
    assert loss_value == pytest.approx(np.mean(w * per), rel=1e-7)

    def f():
        out = m.graph.forward([xb])[0]
        return float(np.mean(w * m.compiled_outputs()[0].loss.call(yb, out)))
    for i in range(0, theta.size, 3):
        old = theta[i]
        theta[i] = old + 1e-6
        up = f()
        theta[i] = old - 1e-6
        down = f()
        theta[i] = old
        assert (up - down) / 2e-6 == pytest.approx(g[i], rel=1e-5, abs=1e-9)


def test_unit_weights_change_nothing_and_class_weight_is_sample_weight():
    x, y = data()
    plain = model().fit(x, y, epochs=2, shuffle=False, verbose=0).history
    ones = model().fit(x, y, epochs=2, shuffle=False, verbose=0,
                       sample_weight=np.ones(len(y))).history
    np.testing.assert_allclose(plain["loss"], ones["loss"], rtol=1e-5)
    cw = {0: 1.0, 1: 2.0, 2: 0.5}
    a = model()
    a.fit(x, y, epochs=1, shuffle=False, verbose=0, class_weight=cw)
    b = model()
    b.fit(x, y, epochs=1, shuffle=False, verbose=0,
          sample_weight=np.array([cw[int(c)] for c in y]))
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)


def test_weight_errors_name_the_fix():
    x, y = data()
    with pytest.raises(InputError, match=r"one weight per sample, shape \(48,\)"):
        model().fit(x, y, sample_weight=np.ones(5), verbose=0)
    with pytest.raises(InputError, match=r"class\(es\) \[2\]"):
        model().fit(x, y, class_weight={0: 1, 1: 1}, verbose=0)


def test_steps_per_epoch_and_validation_freq():
    x, y = data()
    seen = []

    class Count(glassnet.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    h = model().fit(x, y, batch_size=8, epochs=2, steps_per_epoch=10, verbose=0,
                    callbacks=[Count()], validation_split=0.25, validation_freq=2)
    assert seen == list(range(10)) * 2  # 10 steps > the 5 batches of one pass
    assert len(h.history["loss"]) == 2 and len(h.history["val_loss"]) == 1
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model().fit(x, y, steps_per_epoch=0, verbose=0)
