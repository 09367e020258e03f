"""tf.data.Dataset (glassnet.dataset): TensorFlow's element order, batching and shuffling
rules on NumPy arrays, and to_arrays() for fit."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf
from glassnet.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from glassnet.errors import InputError


def xy(n=10):
    return np.arange(2 * n, dtype=np.float32).reshape(n, 2), np.arange(n)


def test_reachable_as_tf_data():
    assert tf.data.Dataset is Dataset
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    from glassnet.keras import data  # noqa: F401  (tensorflow.keras has no data; tf has)


def test_from_tensor_slices_rows_in_order():
    x, y = xy(3)
    elements = list(Dataset.from_tensor_slices((x, y)))
    assert len(elements) == 3
    for i, (a, b) in enumerate(elements):
        np.testing.assert_array_equal(a, x[i])
        assert b == y[i]
    one = list(Dataset.from_tensor_slices([1, 2, 3]))  # a list is one array, as in TF
    assert [int(v) for v in one] == [1, 2, 3]
    d = list(Dataset.from_tensor_slices({"a": x, "b": y}))
    assert set(d[0]) == {"a", "b"} and d[2]["b"] == 2


def test_from_tensor_slices_errors_name_the_shapes():
    with pytest.raises(InputError, match=r"\(3, 2\), \(4,\)"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(InputError, match="from_tensors"):
        Dataset.from_tensor_slices(5.0)


def test_batch_sizes_and_drop_remainder():
    x, y = xy(10)
    batches = list(Dataset.from_tensor_slices((x, y)).batch(4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(batches[1][0], x[4:8])
    ds = Dataset.from_tensor_slices((x, y)).batch(4, drop_remainder=True)
    assert [len(b[1]) for b in ds] == [4, 4] and len(ds) == 2
    assert len(Dataset.from_tensor_slices((x, y)).batch(4)) == 3
    with pytest.raises(ValueError, match="batch"):
        Dataset.from_tensor_slices(x).batch(0)


def test_shuffle_is_a_permutation_repeatable_with_seed_and_new_each_epoch():
    ds = Dataset.range(100).shuffle(100, seed=7)
    first, second = [int(v) for v in ds], [int(v) for v in ds]
    assert sorted(first) == list(range(100)) and first != list(range(100))
    assert first != second  # reshuffled each iteration
    again = Dataset.range(100).shuffle(100, seed=7)
    assert [int(v) for v in again] == first  # the same seed, the same orders
    fixed = Dataset.range(100).shuffle(100, seed=7, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]


def test_shuffle_buffer_of_one_keeps_order_and_small_buffer_mixes_locally():
    assert [int(v) for v in Dataset.range(20).shuffle(1, seed=0)] == list(range(20))
    # with a buffer of 3, the element yielded at position i is one of the first i + 3
    out = [int(v) for v in Dataset.range(50).shuffle(3, seed=0)]
    assert sorted(out) == list(range(50))
    assert all(v < i + 3 for i, v in enumerate(out))


def test_shuffle_follows_set_random_seed_without_seed():
    tf.utils.set_random_seed(3)
    a = [int(v) for v in Dataset.range(30).shuffle(30)]
    tf.utils.set_random_seed(3)
    b = [int(v) for v in Dataset.range(30).shuffle(30)]
    assert a == b


def test_map_unpacks_tuples_and_runs_on_numpy():
    x, y = xy(4)
    ds = Dataset.from_tensor_slices((x, y)).batch(2).map(lambda a, b: (a / 2, b + 1),
                                                         num_parallel_calls=tf.data.AUTOTUNE)
    (a, b), _ = list(ds)
    np.testing.assert_array_equal(a, x[:2] / 2)
    np.testing.assert_array_equal(b, y[:2] + 1)
    single = Dataset.from_tensor_slices(x).map(lambda v: v.sum())
    assert [float(v) for v in single] == [1.0, 5.0, 9.0, 13.0]


def test_repeat_take_skip_filter_cardinality():
    ds = Dataset.range(3)
    assert [int(v) for v in ds.repeat(2)] == [0, 1, 2, 0, 1, 2]
    assert ds.repeat().cardinality() == INFINITE_CARDINALITY
    assert [int(v) for v in ds.repeat().take(7)] == [0, 1, 2, 0, 1, 2, 0]
    assert len(ds.repeat().take(7)) == 7
    assert [int(v) for v in ds.skip(1)] == [1, 2]
    even = ds.filter(lambda v: v % 2 == 0)
    assert [int(v) for v in even] == [0, 2] and even.cardinality() == UNKNOWN_CARDINALITY
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())


def test_cache_replays_the_first_pass():
    calls = []

    def noisy(v):
        calls.append(int(v))
        return v + np.random.default_rng().integers(1000)

    ds = Dataset.range(4).map(noisy).cache()
    first, second = list(ds), list(ds)
    assert [int(v) for v in first] == [int(v) for v in second]
    assert calls == [0, 1, 2, 3]  # map ran once


def test_zip_unbatch_from_tensors():
    z = Dataset.zip((Dataset.range(3), Dataset.range(5)))
    assert [(int(a), int(b)) for a, b in z] == [(0, 0), (1, 1), (2, 2)] and len(z) == 3
    rows = list(Dataset.range(5).batch(2).unbatch())
    assert [int(v) for v in rows] == [0, 1, 2, 3, 4]
    assert len(list(Dataset.from_tensors(np.zeros((3, 2))))) == 1


def test_to_arrays_undoes_batching_and_reports_batch_size_and_shuffle():
    x, y = xy(10)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(10, seed=0).batch(4).prefetch(-1)
    ax, ay, batch_size, shuffle = ds.to_arrays()
    np.testing.assert_array_equal(ax, x)  # in order: fit does the shuffling
    np.testing.assert_array_equal(ay, y)
    assert (batch_size, shuffle) == (4, True)
    ax, ay, batch_size, shuffle = Dataset.from_tensor_slices(x).batch(3).to_arrays()
    assert ay is None and batch_size == 3 and not shuffle
    np.testing.assert_array_equal(ax, x)
    # a map applies; a repeat is read once
    ax, _, _, _ = Dataset.from_tensor_slices((x, y)).batch(5).map(
        lambda a, b: (a * 2, b)).repeat().to_arrays()
    np.testing.assert_array_equal(ax, 2 * x)
    with pytest.raises(InputError, match="sample_weight"):
        Dataset.from_tensor_slices((x, y, y)).batch(2).to_arrays()


def test_to_arrays_trains_a_model_like_the_arrays():
    x, y = xy(16)
    x = x / 32
    arrays = Dataset.from_tensor_slices((x, y % 2)).batch(8).to_arrays()
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    history = model.fit(arrays[0], arrays[1], batch_size=arrays[2], shuffle=arrays[3],
                        epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_from_generator_and_text_line_dataset(tmp_path):
    def gen(n):
        for i in range(n):
            yield np.full(2, i), i * 10

    ds = Dataset.from_generator(gen, args=(3,)).batch(2)
    batches = list(ds)
    assert [b[1].tolist() for b in batches] == [[0, 10], [20]]
    assert list(ds)[0][0].tolist() == [[0, 0], [1, 1]]  # the generator runs again
    path = tmp_path / "lines.txt"
    path.write_text("Line 1\nLine 2\nLine 3\n  ", encoding="utf-8")
    lines = [b.tolist() for b in tf.data.TextLineDataset(str(path)).batch(2)]
    assert lines == [["Line 1", "Line 2"], ["Line 3", "  "]]


def test_fit_reads_sample_weights_from_a_dataset_of_triples():
    """fit(Dataset of (x, y, w)) trains exactly as fit(x, y, sample_weight=w)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((16, 3)).astype("float32")
    y = rng.standard_normal((16, 1)).astype("float32")
    w = rng.random(16).astype("float32") * 2

    def trained(**data):
        tf.keras.utils.set_random_seed(0)
        model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(3,))])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(**data, epochs=2, verbose=0, shuffle=False)
        return model.get_weights()[0]

    by_dataset = trained(x=Dataset.from_tensor_slices((x, y, w)).batch(4))
    by_arrays = trained(x=x, y=y, sample_weight=w, batch_size=4)
    unweighted = trained(x=x, y=y, batch_size=4)
    np.testing.assert_allclose(by_dataset, by_arrays, rtol=1e-6)
    assert not np.allclose(by_dataset, unweighted)
    with pytest.raises(InputError, match="fit reads them"):
        Dataset.from_tensor_slices((x, y, w)).batch(4).to_arrays()
