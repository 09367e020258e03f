"""utils.image_dataset_from_directory: Keras 3's file order, split, label modes and
resizing (checked against keras.ops.image.resize's values, Keras 3.15.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as tf
from glassnet.dataset import Dataset
from glassnet.preprocessing.from_directory import index_directory, resize_bilinear

PIL = pytest.importorskip("PIL.Image")
REFS = np.load(Path(__file__).parent / "data" / "keras_refs" / "resize_bilinear.npz")


def test_resize_matches_keras():
    x = np.arange(4 * 5 * 2, dtype=np.float32).reshape(4, 5, 2) ** 1.5
    for key in REFS.files:
        size = tuple(int(v) for v in key.split("x"))
        np.testing.assert_allclose(resize_bilinear(x, size), REFS[key], rtol=1e-6, atol=1e-4)


@pytest.fixture
def folder(tmp_path):
    """cats: 5 images of value 10·i, dogs: 3 of value 100 + 10·i; a text file and a hidden
    folder that must be ignored."""
    for cls, n, base in (("cats", 5, 0), ("dogs", 3, 100)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            img = np.full((6, 8, 3), base + 10 * i, np.uint8)
            PIL.fromarray(img).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def test_index_order_is_keras_order(folder):
    paths, labels, names = index_directory(folder, shuffle=False, verbose=False)
    assert names == ["cats", "dogs"]
    assert [Path(p).parent.name + "/" + Path(p).name for p in paths] == [
        "cats/0.png", "cats/1.png", "cats/2.png", "cats/3.png", "cats/4.png",
        "dogs/0.png", "dogs/1.png", "dogs/2.png"]
    assert labels.tolist() == [0, 0, 0, 0, 0, 1, 1, 1]
    shuffled, shuffled_labels, _ = index_directory(folder, seed=3, verbose=False)
    order = list(range(8))
    np.random.RandomState(3).shuffle(order)  # Keras's global shuffle
    assert shuffled == [paths[i] for i in order]
    assert shuffled_labels.tolist() == [labels[i] for i in order]


def test_batches_labels_and_class_names(folder, capsys):
    ds = tf.keras.utils.image_dataset_from_directory(folder, image_size=(3, 4), batch_size=4,
                                                     seed=0)
    assert "Found 8 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["cats", "dogs"] and isinstance(ds, Dataset)
    batches = list(ds)
    assert [b[0].shape for b in batches] == [(4, 3, 4, 3), (4, 3, 4, 3)]
    images = np.concatenate([b[0] for b in batches])
    labels = np.concatenate([b[1] for b in batches])
    assert images.dtype == np.float32 and labels.dtype == np.int32
    for image, label in zip(images, labels):  # each image still with its own label
        assert (image[0, 0, 0] >= 100) == (label == 1)
    x, y, batch_size, shuffle = ds.to_arrays()
    assert x.shape == (8, 3, 4, 3) and batch_size == 4 and shuffle


def test_split_is_disjoint_and_complete_with_one_seed(folder):
    kwargs = dict(image_size=(2, 2), validation_split=0.25, seed=7, verbose=False)
    train = tf.keras.utils.image_dataset_from_directory(folder, subset="training", **kwargs)
    val = tf.keras.utils.image_dataset_from_directory(folder, subset="validation", **kwargs)
    values = [sorted(np.concatenate([b[0][:, 0, 0, 0] for b in d]).tolist())
              for d in (train, val)]
    assert len(values[0]) == 6 and len(values[1]) == 2
    assert sorted(values[0] + values[1]) == [0, 10, 20, 30, 40, 100, 110, 120]
    both = tf.keras.utils.image_dataset_from_directory(folder, subset="both", **kwargs)
    np.testing.assert_array_equal(both[1].to_arrays()[0], val.to_arrays()[0])
    with pytest.raises(ValueError, match="seed"):
        tf.keras.utils.image_dataset_from_directory(folder, validation_split=0.2,
                                                    subset="training", verbose=False)


def test_label_modes_and_grayscale(folder):
    common = dict(image_size=(2, 2), shuffle=False, verbose=False)
    _, y, _, _ = tf.keras.utils.image_dataset_from_directory(
        folder, label_mode="categorical", **common).to_arrays()
    np.testing.assert_array_equal(y[[0, 7]], [[1, 0], [0, 1]])
    _, y, _, _ = tf.keras.utils.image_dataset_from_directory(
        folder, label_mode="binary", **common).to_arrays()
    assert y.shape == (8, 1) and y.dtype == np.float32
    x, y, _, _ = tf.keras.utils.image_dataset_from_directory(
        folder, labels=None, color_mode="grayscale", **common).to_arrays()
    assert y is None and x.shape == (8, 2, 2, 1)


def test_errors_name_the_fix(folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="subfolder"):
        tf.keras.utils.image_dataset_from_directory(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="class_names"):
        tf.keras.utils.image_dataset_from_directory(folder, class_names=["cats", "birds"],
                                                    verbose=False)
