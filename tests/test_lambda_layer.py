"""``Lambda``: a function of glassnet ops as a layer; its gradient comes from the tape."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_model_gradients

import glassnet
import glassnet as tf
from glassnet import layers


def test_lambda_in_sequential_fit_and_summary(seed):
    model = glassnet.Sequential([layers.Input((4,)), layers.Dense(3),
                                 layers.Lambda(lambda x: tf.square(x) + 1.0), layers.Dense(1)])
    model.compile("adam", "mse")
    x = seed.random((32, 4)).astype("float32")
    history = model.fit(x, x.sum(1, keepdims=True), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[1].output_shape == (3,)


def test_lambda_arguments_output_shape_and_two_inputs(seed):
    a, b = layers.Input((3,)), layers.Input((3,))
    scaled = layers.Lambda(lambda t, k: t * k, arguments={"k": 2.0})(a)
    joined = layers.Lambda(lambda ts: tf.concat(ts, axis=-1), output_shape=(6,))([scaled, b])
    assert tuple(joined.shape) == (None, 6)
    model = glassnet.Model([a, b], joined)
    x = seed.random((2, 3)).astype("float32")
    np.testing.assert_allclose(model.predict([x, x], verbose=0),
                               np.concatenate([2 * x, x], axis=-1), rtol=1e-6)


def test_lambda_model_gradient(float64):
    """Central differences through Dense -> Lambda(tanh(x)·x + sum) -> Dense."""
    glassnet.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    model = glassnet.Sequential([
        layers.Dense(4),
        layers.Lambda(lambda x: tf.tanh(x) * x + tf.reduce_sum(x, axis=-1, keepdims=True)),
        layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    assert check_model_gradients(model, x, y) == model.count_params() == 16 + 10


def test_lambda_gradient_check_fails_on_numpy_code(float64):
    """A function written in NumPy is invisible to the tape: the check must not pass."""
    glassnet.utils.set_random_seed(3)
    rng = np.random.default_rng(3)
    model = glassnet.Sequential([layers.Dense(4), layers.Lambda(lambda x: x * 2.0),
                                 layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    model.predict(x, verbose=0)
    model.layers[1].function = lambda x: tf.constant(np.asarray(x) * 2.0)
    with pytest.raises(AssertionError, match="relative error"):
        check_model_gradients(model, x, y)


@pytest.mark.parametrize("path", ["model.keras", "model.glassnet", "model.h5"])
def test_saving_a_lambda_names_the_fix(tmp_path, path):
    model = glassnet.Sequential([layers.Input((4,)), layers.Lambda(lambda x: x * 2.0),
                                 layers.Dense(2)])
    with pytest.raises(TypeError, match=r"Lambda.*save_weights.*register_keras_serializable"):
        model.save(tmp_path / path)
    assert not (tmp_path / path).exists()


def test_keras_file_with_a_lambda_refused_then_its_weights_load(tmp_path):
    """load_model refuses the Lambda (test_keras_files.py), and names the fix, which works:
    the model rebuilt in code with layers.Lambda takes the file's weights."""
    import tarfile
    from pathlib import Path

    from glassnet.errors import ModelFileError

    archive = Path(__file__).parent / "data" / "keras_files" / "keras_files.tar.xz"
    with tarfile.open(archive) as tar:
        for name in ("lambda_layer.keras", "lambda_layer.npz"):
            (tmp_path / name).write_bytes(tar.extractfile(name).read())
    with pytest.raises(ModelFileError, match=r"never runs code.*layers\.Lambda"):
        glassnet.models.load_model(tmp_path / "lambda_layer.keras")
    model = glassnet.Sequential([layers.Input((4,)), layers.Lambda(lambda t: t * 2.0),
                                 layers.Dense(2)])
    model.load_weights(tmp_path / "lambda_layer.keras")
    data = np.load(tmp_path / "lambda_layer.npz")
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y0"], rtol=1e-5,
                               atol=1e-6)
