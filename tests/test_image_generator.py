"""keras.preprocessing.image: Keras 2's ImageDataGenerator against Keras 2's own results
(tests/keras_reference/make_image_generator_refs.py, keras_preprocessing 1.1.2 with SciPy),
its flow iterator, and Keras 3's load_img / img_to_array / array_to_img / save_img."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import glassnet as tf
from glassnet.preprocessing.image import (
    ImageDataGenerator,
    array_to_img,
    img_to_array,
    load_img,
    save_img,
)

REFS = np.load(Path(__file__).parent / "data" / "keras_refs" / "image_generator.npz")
PARAMS = json.loads(str(REFS["meta"]))["params"]

pytestmark = pytest.mark.filterwarnings("ignore:keras.preprocessing.image.ImageDataGenerator")


@pytest.mark.parametrize("i", range(len(PARAMS)))
def test_apply_transform_matches_keras2(i):
    kwargs, params = PARAMS[i]
    out = ImageDataGenerator(**kwargs).apply_transform(REFS["image"].copy(), params)
    np.testing.assert_allclose(out, REFS[f"out.{i}"], atol=2e-6)


def test_fit_and_standardize_match_keras2():
    g = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                           samplewise_center=True, rescale=1 / 255.0)
    g.fit(REFS["fit_in"])
    np.testing.assert_allclose(g.mean, REFS["fit_mean"], rtol=1e-5)
    np.testing.assert_allclose(g.std, REFS["fit_std"], rtol=1e-5)
    np.testing.assert_allclose(g.standardize(REFS["std_in"].copy()), REFS["std_out"],
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="fit"):
        ImageDataGenerator(featurewise_center=True).standardize(REFS["std_in"])


def test_flow_batches_cover_the_data_each_pass_and_reshuffle():
    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1) * np.ones((1, 2, 2, 1))
    y = np.arange(10)
    it = ImageDataGenerator(rescale=2.0).flow(x, y, batch_size=4, seed=0)
    assert len(it) == 3
    first = [next(it) for _ in range(3)]
    assert [len(b[1]) for b in first] == [4, 4, 2]
    labels = np.concatenate([b[1] for b in first])
    assert sorted(labels) == list(range(10)) and list(labels) != list(range(10))
    for xb, yb in first:  # each image kept with its label, rescaled
        np.testing.assert_array_equal(xb[:, 0, 0, 0], 2 * yb)
    second = np.concatenate([next(it)[1] for _ in range(3)])
    assert sorted(second) == list(range(10)) and list(second) != list(labels)
    plain = ImageDataGenerator().flow(x, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(plain[1][:, 0, 0, 0], [5, 6, 7, 8, 9])  # x only, no y


def test_flow_subset_and_random_transforms_follow_the_seed():
    x = np.random.default_rng(1).uniform(0, 1, (8, 5, 5, 1)).astype(np.float32)
    g = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, zoom_range=0.1,
                           horizontal_flip=True, validation_split=0.25)
    assert g.flow(x, subset="validation").n == 2 and g.flow(x, subset="training").n == 6
    a = next(g.flow(x, batch_size=8, seed=3))
    b = next(g.flow(x, batch_size=8, seed=3))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, x[np.argsort(np.argsort(a[:, 0, 0, 0]))])  # really changed
    with pytest.raises(ValueError, match=r"x\[\.\.\., np\.newaxis\]"):
        g.flow(np.zeros((3, 5, 5)))


def test_shift_ranges_keras2_rules():
    g = ImageDataGenerator(width_shift_range=0.25, height_shift_range=[2, 3])
    for seed in range(20):
        p = g.get_random_transform((8, 12, 1), seed=seed)
        assert abs(p["ty"]) <= 0.25 * 12 and abs(p["tx"]) in (2, 3)


def test_old_spelling_warns_and_unsupported_arguments_fail():
    from glassnet import legacy

    legacy._WARNED.discard("keras.preprocessing.image.ImageDataGenerator")
    with pytest.warns(UserWarning, match="RandomFlip"):
        ImageDataGenerator()
    with pytest.raises(NotImplementedError, match="zca_whitening"):
        ImageDataGenerator(zca_whitening=True)


def test_image_files_round_trip(tmp_path):
    pytest.importorskip("PIL")
    x = np.zeros((4, 6, 3), np.float32)
    x[1, 2] = [255, 0, 128]
    save_img(tmp_path / "a.png", x, scale=False)
    img = load_img(tmp_path / "a.png")
    assert img.size == (6, 4)
    back = img_to_array(img)
    assert back.shape == (4, 6, 3) and back.dtype == np.float32
    np.testing.assert_array_equal(back, x)
    gray = img_to_array(load_img(tmp_path / "a.png", color_mode="grayscale",
                                 target_size=(2, 3)))
    assert gray.shape == (2, 3, 1)
    assert array_to_img(np.ones((2, 2, 1))).mode == "L"
    assert tf.keras.utils.load_img is load_img and tf.keras.utils.img_to_array is img_to_array
