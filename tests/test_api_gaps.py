"""Small Keras API pieces real programs stop on: tf.version, models.model_from_json,
clone_model, model_from_yaml's error, layers.serialize/deserialize, custom_object_scope,
register_keras_serializable."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as tf
from glassnet import serialization


def _functional():
    inputs = tf.keras.Input((4,), name="x")
    hidden = tf.keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    return tf.keras.Model(inputs, tf.keras.layers.Dense(2, name="out")(hidden))


def test_version_both_spellings():
    assert tf.version.VERSION == tf.__version__ == tf.keras.version()
    assert isinstance(tf.version.VERSION, str)


@pytest.mark.parametrize("make", [
    lambda: tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, name="d")]),
    _functional,
])
def test_model_from_json_rebuilds_the_architecture(make):
    model = make()
    again = tf.keras.models.model_from_json(model.to_json())
    assert type(again) is type(model)
    assert [layer.name for layer in again.layers] == [layer.name for layer in model.layers]
    assert again.count_params() == model.count_params()
    again.set_weights(model.get_weights())
    x = np.random.default_rng(0).standard_normal((3, *model.input_shape[1:]))
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="to_json"):
        tf.keras.models.model_from_json("{not json")


def test_clone_model_has_new_weights():
    tf.utils.set_random_seed(0)
    model = _functional()
    clone = tf.keras.models.clone_model(model)
    assert clone.count_params() == model.count_params()
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    assert clone.layers[1] is not model.layers[1]


def test_model_from_yaml_says_why_it_is_gone():
    with pytest.raises(RuntimeError, match="model_from_json"):
        tf.keras.models.model_from_yaml("a: 1")


def test_layers_serialize_deserialize_round_trip():
    layer = tf.keras.layers.Dense(3, activation="tanh", use_bias=False, name="k")
    config = tf.keras.layers.serialize(layer)
    assert config["class_name"] == "Dense"
    again = tf.keras.layers.deserialize(config)
    assert type(again) is tf.keras.layers.Dense
    assert (again.units, again.use_bias, again.name) == (3, False, "k")
    with pytest.raises(ValueError, match="unknown layer 'Nope'"):
        tf.keras.layers.deserialize({"class_name": "Nope", "config": {}})


class Doubler(tf.keras.layers.Layer):
    def forward(self, x, training=False):
        return 2 * x

    def backward(self, dy):
        return 2 * dy


def test_custom_object_scope_knows_the_class_only_inside():
    config = {"class_name": "Doubler", "config": {"name": "double"}}
    with pytest.raises(ValueError, match="unknown layer"):
        tf.keras.layers.deserialize(config)
    with tf.keras.utils.custom_object_scope({"Doubler": Doubler, "fn": np.tanh}):
        assert type(tf.keras.layers.deserialize(config)) is Doubler
        assert tf.keras.utils.get_custom_objects() == {"Doubler": Doubler}
    assert "Doubler" not in serialization.LAYERS
    with pytest.raises(ValueError, match="unknown layer"):
        tf.keras.layers.deserialize(config)


def test_register_keras_serializable_decorator(monkeypatch):
    monkeypatch.setattr(serialization, "LAYERS", dict(serialization.LAYERS))

    @tf.keras.utils.register_keras_serializable(package="mine")
    class Halver(Doubler):
        pass

    assert serialization.LAYERS["Halver"] is Halver
    restored = tf.keras.layers.deserialize({"class_name": "Halver", "config": {}})
    assert type(restored) is Halver


def test_normalization_mean_and_variance_as_keras_shows_them():
    layer = tf.keras.layers.Normalization(axis=-1)
    assert layer.mean is None and layer.variance is None  # not adapted/built yet
    layer.adapt(np.array([[1.0, 2.0], [3.0, 6.0]]))
    # Keras 3.15.1: mean [[2. 4.]], variance [[1. 4.]]
    np.testing.assert_array_equal(layer.mean, [[2.0, 4.0]])
    np.testing.assert_array_equal(layer.variance, [[1.0, 4.0]])
    given = tf.keras.layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    given.build((2,))
    np.testing.assert_array_equal(given.variance, [[4.0, 9.0]])


def test_unbuilt_kernel_is_an_attribute_error_naming_the_fix():
    layer = tf.keras.layers.Dense(1)
    with pytest.raises(AttributeError, match=r"no kernel yet.*Input\(shape="):
        layer.kernel  # noqa: B018
    assert not hasattr(layer, "kernel")  # as Keras before build
    layer.build((3,))
    assert layer.kernel.shape == (3, 1)
