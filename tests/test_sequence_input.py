"""``keras.utils.Sequence``, Python generators and ``ImageDataGenerator.flow`` iterators as
``fit``/``evaluate``/``predict`` input, and Keras 2's ``fit_generator`` family."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet as tf
from glassnet import legacy
from glassnet.errors import InputError

R = np.random.default_rng(0)
X = R.standard_normal((40, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-1.0], [0.5]], np.float32) > 0).astype(np.float32)


class Batches(tf.keras.utils.Sequence):
    def __init__(self, x, y=None, batch_size=8):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.seen: list[int] = []

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, i):
        self.seen.append(i)
        part = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[part] if self.y is None else (self.x[part], self.y[part])


def model():
    tf.random.set_seed(0)
    m = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(3,))])
    m.compile(tf.keras.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    return m


def test_fit_on_a_sequence_equals_fit_on_its_arrays():
    a, b = model(), model()
    seq = Batches(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no on_epoch_end: nothing to warn about
        ha = a.fit(seq, epochs=3, verbose=0, shuffle=False)
    hb = b.fit(X, Y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    assert sorted(seq.seen) == list(range(5))  # each batch read once
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(a.evaluate(seq, verbose=0), b.evaluate(X, Y, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(a.predict(Batches(X), verbose=0), b.predict(X, verbose=0),
                               rtol=1e-6)
    assert a.predict(seq, verbose=0).shape == (40, 1)  # (x, y) batches: y ignored
    assert a.evaluate(seq, steps=2, verbose=0, return_dict=True)["loss"] > 0


def test_generators_with_steps_and_validation():
    def forever():
        while True:
            for i in range(0, 40, 10):
                yield X[i:i + 10], Y[i:i + 10]

    m = model()
    with pytest.warns(UserWarning, match="once"):
        h = m.fit(forever(), steps_per_epoch=4, epochs=2, verbose=0,
                  validation_data=forever(), validation_steps=2)
    assert len(h.history["val_loss"]) == 2
    finite = ((X[i:i + 10], Y[i:i + 10], np.ones(10)) for i in range(0, 40, 10))
    m.fit(finite, epochs=1, verbose=0)  # read to its end; weights from the batches
    assert m.predict((X[i:i + 5] for i in range(0, 40, 5)), verbose=0).shape == (40, 1)


def test_on_epoch_end_and_flow_warn_that_batches_are_read_once(monkeypatch):
    class Shuffled(Batches):
        def on_epoch_end(self):
            pass

    monkeypatch.setattr(legacy, "_WARNED", set())  # the once-per-process warnings
    with pytest.warns(UserWarning, match="on_epoch_end"):
        model().fit(Shuffled(X, Y), epochs=1, verbose=0)
    images = R.random((12, 4, 4, 1)).astype(np.float32)
    labels = np.arange(12) % 2
    net = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(4, 4, 1)),
                               tf.keras.layers.Dense(2, activation="softmax")])
    net.compile("adam", "sparse_categorical_crossentropy")
    flow = tf.keras.preprocessing.image.ImageDataGenerator(horizontal_flip=True).flow(
        images, labels, batch_size=4)
    with pytest.warns(UserWarning, match="NumpyArrayIterator"):
        net.fit(flow, epochs=2, verbose=0)


def test_keras2_generator_methods_warn_and_work():
    m, seq = model(), Batches(X, Y)
    with pytest.warns(UserWarning, match="Model.fit"):
        h = m.fit_generator(seq, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    with pytest.warns(UserWarning, match="Model.evaluate"):
        m.evaluate_generator(seq)
    with pytest.warns(UserWarning, match="Model.predict"):
        assert m.predict_generator(Batches(X), steps=2).shape == (16, 1)


def test_mistakes_are_named():
    m = model()
    with pytest.raises(InputError, match="alone"):
        m.fit(Batches(X, Y), Y, verbose=0)
    with pytest.raises(InputError, match="no batches"):
        m.fit(iter([]), verbose=0)
    with pytest.raises(InputError, match="sample_weight"):
        m.evaluate(iter([(X, Y, np.ones(40))]), verbose=0)
    assert issubclass(tf.keras.utils.PyDataset, tf.keras.utils.Sequence)
