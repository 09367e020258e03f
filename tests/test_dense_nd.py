"""Dense on inputs with more than two axes: Keras applies it to the last axis,
z[n, t] = x[n, t] W + b, with the same W and b at every position."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_layer, check_model_gradients

import glassnet as tf
from glassnet import layers


def test_dense_acts_on_the_last_axis():
    tf.utils.set_random_seed(0)
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    layer = layers.Dense(5, activation="relu")
    y = layer(x)
    assert y.shape == (2, 3, 5) and layer.W.shape == (4, 5)
    for t in range(3):  # each position as a 2-D batch through the same weights
        np.testing.assert_allclose(y[:, t], np.maximum(x[:, t] @ layer.W + layer.b, 0),
                                   rtol=1e-6)
    assert layer.compute_output_shape((3, 4)) == (3, 5)


@pytest.mark.parametrize("shape", [(3, 2, 4), (2, 2, 3, 4)])
@pytest.mark.parametrize("activation", [None, "tanh", "softmax"])
def test_dense_nd_gradient(shape, activation, float64):
    tf.utils.set_random_seed(1)
    rng = np.random.default_rng(1)
    layer = layers.Dense(3, activation=activation, bias_initializer="random_normal")
    x = rng.standard_normal(shape)
    layer(x)
    check_layer(layer, x, rng)


def test_model_with_dense_on_sequences_gradient(float64):
    tf.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    model = tf.keras.Sequential([tf.keras.Input((4, 3)),
                                 layers.Dense(5, activation="tanh"),  # on each of 4 steps
                                 layers.GlobalAveragePooling1D(),
                                 layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy")
    assert model.output_shape == (None, 2)
    assert check_model_gradients(model, rng.standard_normal((6, 4, 3)),
                                 rng.integers(0, 2, 6)) == 32


def test_dense_nd_trains_in_a_functional_model():
    tf.utils.set_random_seed(3)
    inputs = tf.keras.Input((5, 3))
    outputs = layers.Dense(1)(layers.Flatten()(layers.Dense(4, activation="relu")(inputs)))
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(3).standard_normal((32, 5, 3)).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    h = model.fit(x, y, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_dense_on_one_number_per_sample_names_the_fix():
    with pytest.raises(ValueError, match=r"reshape\(-1, 1\)"):
        layers.Dense(2).build(())


def test_dense_nd_exports_to_onnx(tmp_path):
    """Gemm is 2-D only: on (batch, t, n) and on image features the exporter uses MatMul."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    tf.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    for model, shape in (
        (tf.keras.Sequential([tf.keras.Input((4, 3)), layers.Dense(5, activation="softmax"),
                              layers.Dense(2, use_bias=False)]), (6, 4, 3)),
        (tf.keras.Sequential([tf.keras.Input((6, 6, 1)), layers.Conv2D(3, 3),
                              layers.Dense(2, activation="tanh")]), (5, 6, 6, 1)),
    ):
        x = rng.standard_normal(shape).astype(np.float32)
        model.export(str(tmp_path / "m.onnx"))
        session = ort.InferenceSession(str(tmp_path / "m.onnx"),
                                       providers=["CPUExecutionProvider"])
        np.testing.assert_allclose(session.run(None, {"input": x})[0],
                                   model.predict(x, verbose=0), atol=1e-5)
