"""Images of any size: ``Input(shape=(None, None, 3))`` with Conv2D, pooling,
BatchNormalization and global pooling (Keras's fully convolutional models)."""

from __future__ import annotations

import numpy as np
import pytest
from test_gradients import check_model_gradients

from glassnet import keras, layers
from glassnet.errors import InputError


def _body(inputs, batch_norm: bool = True):
    x = layers.Conv2D(3, 3, activation="tanh", padding="same")(inputs)
    if batch_norm:  # its moving statistics change in train_step: not in the gradient check
        x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(2, 2, strides=2, activation="tanh")(x)
    x = layers.AveragePooling2D(padding="same")(x)
    return layers.Dense(2)(layers.GlobalAveragePooling2D()(x))


def test_any_size_gives_what_a_fixed_size_model_with_the_same_weights_gives(seed):
    inputs = keras.Input(shape=(None, None, 2))
    free = keras.Model(inputs, _body(inputs))
    for h, w in [(12, 10), (9, 17)]:
        fixed_in = keras.Input(shape=(h, w, 2))
        fixed = keras.Model(fixed_in, _body(fixed_in))
        fixed.set_weights(free.get_weights())
        x = seed.standard_normal((3, h, w, 2)).astype("float32")
        np.testing.assert_allclose(free.predict(x, verbose=0), fixed.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-6)
    assert free.layers[1].output.shape == (None, None, None, 3)


def test_variable_size_gradient_float64(float64, seed):
    inputs = keras.Input(shape=(None, None, 2))
    model = keras.Model(inputs, _body(inputs, batch_norm=False))
    model.compile(optimizer="sgd", loss="mse")
    for h, w in [(8, 6), (7, 9)]:  # the geometry follows each batch's size
        x = seed.standard_normal((3, h, w, 2))
        y = seed.standard_normal((3, 2))
        assert check_model_gradients(model, x, y) == model.count_params()


def test_flatten_after_variable_size_still_explains():
    inputs = keras.Input(shape=(None, None, 3))
    x = layers.Conv2D(2, 3)(inputs)
    with pytest.raises(InputError, match="resize the images"):
        layers.Flatten()(x)


def _seq_body(inputs, padding="valid"):
    x = layers.Conv1D(3, 3, activation="tanh", padding=padding)(inputs)
    x = layers.MaxPooling1D(2)(x)
    x = layers.Conv1D(2, 2, padding="causal")(x)
    x = layers.AveragePooling1D(2, padding="same")(x)
    return layers.Dense(1)(layers.GlobalMaxPooling1D()(x))


def test_sequences_of_any_length_through_conv1d(seed):
    inputs = keras.Input(shape=(None, 4))
    free = keras.Model(inputs, _seq_body(inputs))
    for steps in (12, 9):
        fixed_in = keras.Input(shape=(steps, 4))
        fixed = keras.Model(fixed_in, _seq_body(fixed_in))
        fixed.set_weights(free.get_weights())
        x = seed.standard_normal((3, steps, 4)).astype("float32")
        np.testing.assert_allclose(free.predict(x, verbose=0), fixed.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-6)


def test_variable_length_conv1d_gradient_float64(float64, seed):
    inputs = keras.Input(shape=(None, 2))
    model = keras.Model(inputs, _seq_body(inputs, padding="same"))
    model.compile(optimizer="sgd", loss="mse")
    for steps in (10, 7):
        x = seed.standard_normal((3, steps, 2))
        assert check_model_gradients(model, x, seed.standard_normal((3, 1))) == \
            model.count_params()
