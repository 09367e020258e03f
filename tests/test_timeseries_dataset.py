"""utils.timeseries_dataset_from_array: the windows of Keras's documented examples."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf

make = tf.keras.utils.timeseries_dataset_from_array


def test_keras_docs_example_1_windows():
    """Keras's docstring: indices 0..98, sequence_length=10, sampling_rate=2,
    sequence_stride=3 -> [0 2 ... 18], [3 5 ... 21], [6 8 ... 24], ..., [78 80 ... 96]."""
    data = np.arange(100)
    ds = make(data[:99], None, sequence_length=10, sampling_rate=2, sequence_stride=3,
              batch_size=4)
    windows = np.concatenate(list(ds))
    np.testing.assert_array_equal(windows[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(windows[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(windows[2], np.arange(6, 26, 2))
    np.testing.assert_array_equal(windows[-1], np.arange(78, 98, 2))
    assert len(windows) == 27 and [len(b) for b in ds][:2] == [4, 4]


def test_keras_docs_example_2_targets_offset():
    """Keras's docstring: predict data[i + 10] from data[i:i + 10]."""
    data = np.arange(100)
    ds = make(data[:-10], data[10:], sequence_length=10, batch_size=16)
    for x, y in ds:
        np.testing.assert_array_equal(x[:, -1] + 1, y)  # the next value
    x, y, batch_size, shuffle = ds.to_arrays()
    assert x.shape == (81, 10) and y.shape == (81,) and batch_size == 16 and not shuffle
    np.testing.assert_array_equal(x[0], np.arange(10))
    assert y[0] == 10


def test_start_end_shuffle_and_vectors():
    data = np.arange(60, dtype=np.float32).reshape(30, 2)
    ds = make(data, np.arange(30), sequence_length=4, start_index=5, end_index=25,
              batch_size=None)
    windows = [w for w, _ in ds]
    assert windows[0].shape == (4, 2) and windows[0][0, 0] == 10  # row 5
    assert len(windows) == 20 - 3
    shuffled = make(data, np.arange(30), sequence_length=4, shuffle=True, seed=1,
                    batch_size=5)
    x, y, _, shuffle = shuffled.to_arrays()
    order = np.arange(27)
    np.random.RandomState(1).shuffle(order)  # Keras's shuffle of the starts
    np.testing.assert_array_equal(y, order)
    np.testing.assert_array_equal(x[:, 0, 0], 2 * order)
    assert shuffle


def test_errors():
    with pytest.raises(ValueError, match="sampling_rate"):
        make(np.arange(10), None, sequence_length=3, sampling_rate=0)
    with pytest.raises(ValueError, match="end_index"):
        make(np.arange(10), None, sequence_length=3, start_index=5, end_index=4)
