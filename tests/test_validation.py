"""Bad input to fit/evaluate/predict: a clear error naming the fix, before any weight changes.

One test per case of issue 5. Each asserts the error type (a ValueError or TypeError
subclass), that the message holds the user's values and the fix, and that the
weights are unchanged after the failed call.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import glassnet
from glassnet import layers
from glassnet.errors import InputError, InputTypeError, NotCompiledError, UnknownNameError

RNG = np.random.default_rng(5)
IMAGES = RNG.random((40, 28, 28)).astype(np.float32)  # 40 small "MNIST" images in [0, 1)
LABELS = RNG.integers(0, 10, 40)


def classifier(loss="sparse_categorical_crossentropy", units=10, activation="softmax"):
    """Input(28, 28) -> Flatten -> Dense(16, relu) -> Dense(units): built at once."""
    model = glassnet.Sequential([
        layers.Input(shape=(28, 28)), layers.Flatten(),
        layers.Dense(16, activation="relu"), layers.Dense(units, activation=activation),
    ])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def rejects(model, call, error, *fragments):
    """``call()`` raises ``error`` whose message contains every fragment; weights unchanged."""
    before = model.get_weights() if model.built else None
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in: {message}"
    if before is not None:
        after = model.get_weights()
        assert all(np.array_equal(a, b) for a, b in zip(before, after))
        assert model.optimizer is None or model.optimizer.iterations == 0
    return message


# -- labels against the loss -------------------------------------------------------
def test_integer_labels_with_categorical_crossentropy():
    model = classifier(loss="categorical_crossentropy")
    msg = rejects(model, lambda: model.fit(IMAGES, LABELS, verbose=0), InputError,
                  "sparse_categorical_crossentropy", "to_categorical(y, 10)", "(40,)")
    assert "Shapes (None, 1) and (None, 10) are incompatible" in msg


def test_one_hot_labels_with_sparse_categorical_crossentropy():
    model = classifier()
    onehot = glassnet.utils.to_categorical(LABELS, 10)
    rejects(model, lambda: model.fit(IMAGES, onehot, verbose=0), InputError,
            "(40, 10)", "one-hot", "loss='categorical_crossentropy'", "y.argmax(axis=1)")


def test_label_outside_range():
    model = classifier()
    y = LABELS.copy()
    y[7] = 10
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError,
            "label value of 10", "y[7]", "[0, 10)", "Dense(11")


def test_labels_starting_at_one():
    model = classifier()
    y = np.arange(40) % 10 + 1  # 1..10, a common off-by-one
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError,
            "[0, 10)", "start at 1", "y = y - 1")


def test_negative_label():
    model = classifier()
    y = LABELS.copy()
    y[3] = -1
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError, "-1", "y[3]")


def test_fractional_sparse_labels():
    model = classifier()
    y = LABELS.astype(float)
    y[2] = 2.5
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError, "y[2] = 2.5",
            "whole-number")


def test_sparse_loss_with_one_unit():
    model = classifier(units=1, activation="sigmoid")
    rejects(model, lambda: model.fit(IMAGES, LABELS % 2, verbose=0), InputError,
            "1 unit", "binary_crossentropy")


def test_binary_crossentropy_with_ten_classes():
    model = classifier(loss="binary_crossentropy", units=1, activation="sigmoid")
    rejects(model, lambda: model.fit(IMAGES, LABELS, verbose=0), InputError,
            "labels 0 and 1", "sparse_categorical_crossentropy", "softmax")


@pytest.mark.parametrize("values, fix", [((1, 2), "y = y - 1"), ((-1, 1), "(y + 1) / 2"),
                                         ((0, 5), "(y == 5)")])
def test_binary_crossentropy_with_two_other_labels(values, fix):
    model = classifier(loss="binary_crossentropy", units=1, activation="sigmoid")
    y = np.where(LABELS % 2 == 0, *values)
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError, fix)


def test_binary_crossentropy_accepts_soft_labels():
    model = classifier(loss="binary_crossentropy", units=1, activation="sigmoid")
    model.fit(IMAGES, RNG.random(40), verbose=0)  # probabilities in [0, 1] are fine


def test_mse_with_class_labels_for_ten_outputs():
    model = classifier(loss="mse", activation=None)
    rejects(model, lambda: model.fit(IMAGES, LABELS, verbose=0), InputError,
            "(None, 1) and (None, 10)", "sparse_categorical_crossentropy")


def test_one_hot_with_wrong_number_of_columns():
    model = classifier(loss="categorical_crossentropy")
    y = glassnet.utils.to_categorical(LABELS % 5, 5)
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError,
            "(None, 5) and (None, 10)", "dense")


# -- x against the model -------------------------------------------------------------
def test_images_into_a_dense_first_layer():
    model = glassnet.Sequential([layers.Dense(16, activation="relu"),
                                 layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rejects(model, lambda: model.fit(IMAGES, LABELS, verbose=0), InputError,
            "(40, 28, 28)", "Flatten()", "Input(shape=(28, 28))", "reshape(len(x), 784)")
    assert not model.built and not model.layers[0].built  # nothing was created


def test_images_into_a_model_built_for_flat_vectors():
    model = glassnet.Sequential([layers.Input(shape=(784,)),
                                 layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rejects(model, lambda: model.fit(IMAGES, LABELS, verbose=0), InputError,
            "(None, 784)", "(40, 28, 28)", "x.reshape(len(x), 784)", "Flatten()")


def test_feature_count_mismatch_names_layer_and_sizes():
    model = glassnet.Sequential([layers.Input(shape=(784,)),
                                 layers.Dense(10, activation="softmax", name="hidden")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = RNG.random((40, 100))
    rejects(model, lambda: model.fit(x, LABELS, verbose=0), InputError,
            "'hidden'", "784 features", "100 features")
    rejects(model, lambda: model.predict(x, verbose=0), InputError, "784", "100")
    rejects(model, lambda: model.evaluate(x, LABELS, verbose=0), InputError, "784", "100")


def test_x_and_y_of_different_lengths():
    model = classifier()
    rejects(model, lambda: model.fit(IMAGES, LABELS[:30], verbose=0), InputError,
            "x has 40", "y has 30", "one label per sample")


@pytest.mark.parametrize("x, y, what", [
    (np.zeros((0, 28, 28)), np.zeros(0), "x is empty"),
    (IMAGES, np.zeros(0), "y is empty"),
    ([], [], "x is empty"),
])
def test_empty_arrays(x, y, what):
    model = classifier()
    rejects(model, lambda: model.fit(x, y, verbose=0), InputError, what, "nothing to compute")


def test_nan_in_x_is_located_by_index():
    model = classifier()
    x = IMAGES.copy()
    x[3, 4, 5] = np.nan
    x[9, 0, 0] = np.inf
    rejects(model, lambda: model.fit(x, LABELS, verbose=0), InputError,
            "2 NaN or infinite", "x[3, 4, 5] = nan", "3, 9", "np.nan_to_num(x)")
    rejects(model, lambda: model.predict(x, verbose=0), InputError, "x[3, 4, 5]")


def test_inf_in_y_is_located_by_index():
    model = classifier(loss="mse", units=1, activation=None)
    y = RNG.random(40)
    y[5] = -np.inf
    rejects(model, lambda: model.fit(IMAGES, y, verbose=0), InputError, "y[5] = -inf")


def test_float64_values_too_large_for_float32():
    model = classifier()
    x = IMAGES.astype(np.float64)
    x[1, 1, 1] = 1e39
    rejects(model, lambda: model.fit(x, LABELS, verbose=0), InputError, "x[1, 1, 1] = inf",
            "float32")


def test_strings_are_refused():
    model = classifier(loss="mse", units=1, activation=None)
    x = np.array([["a"] * 784] * 40).reshape(40, 28, 28)
    rejects(model, lambda: model.fit(x, LABELS, verbose=0), InputTypeError, "not numbers")
    rejects(model, lambda: model.fit(IMAGES, ["cat"] * 40, verbose=0), InputTypeError,
            "integer label")


def test_object_arrays_are_refused():
    model = classifier()
    x = np.empty((40, 28, 28), dtype=object)
    x[...] = 0.5
    rejects(model, lambda: model.fit(x, LABELS, verbose=0), InputTypeError, "object array")


def test_ragged_lists_are_refused():
    model = glassnet.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    ragged = [[1.0, 2.0, 3.0], [1.0, 2.0]]
    rejects(model, lambda: model.fit(ragged, [1.0, 2.0], verbose=0), InputTypeError,
            "different lengths: 2, 3", "pad or crop")


def test_complex_numbers_and_scalars_are_refused():
    model = glassnet.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss="mse")
    rejects(model, lambda: model.fit(np.ones((3, 2)) * 1j, np.ones(3), verbose=0),
            InputTypeError, "complex")
    rejects(model, lambda: model.fit(np.ones((3, 2)), 1.0, verbose=0), InputError,
            "single number")


def test_missing_y():
    model = classifier()
    rejects(model, lambda: model.fit(IMAGES, verbose=0), InputError, "y is missing")


# -- single samples and 1-D data -------------------------------------------------------
def test_predict_accepts_one_sample_without_batch_dimension():
    model = classifier()
    one = model.predict(IMAGES[0], verbose=0)
    assert one.shape == (1, 10)
    np.testing.assert_array_equal(one, model.predict(IMAGES[:1], verbose=0))
    np.testing.assert_array_equal(model(IMAGES[0]), model(IMAGES[:1]))


def test_fit_explains_a_missing_batch_dimension():
    model = classifier()
    rejects(model, lambda: model.fit(IMAGES[0], LABELS[:1], verbose=0), InputError,
            "one sample without the batch dimension", "x.reshape(1, 28, 28)")


def test_one_dimensional_x_is_one_feature_per_sample():
    """The Keras "hello world": y = 2x - 1 learned by Dense(1) from a 1-D x."""
    glassnet.utils.set_random_seed(0)
    model = glassnet.Sequential([layers.Dense(1, input_shape=(1,))])
    model.compile(optimizer="sgd", loss="mse")
    x = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    model.fit(x, 2 * x - 1, epochs=300, verbose=0)
    assert model.predict(np.array([10.0]), verbose=0).shape == (1, 1)
    assert abs(model.predict(np.array([10.0]), verbose=0)[0, 0] - 19) < 0.5


# -- compile and names ------------------------------------------------------------------
def test_fit_before_compile():
    model = glassnet.Sequential([layers.Input(shape=(28, 28)), layers.Flatten(),
                                 layers.Dense(10, activation="softmax")])
    for call in (lambda: model.fit(IMAGES, LABELS, verbose=0),
                 lambda: model.evaluate(IMAGES, LABELS, verbose=0)):
        msg = rejects(model, call, NotCompiledError, "compile()", "model.compile(optimizer=")
        assert msg
    with pytest.raises(ValueError):  # Keras 3 raises ValueError ...
        model.fit(IMAGES, LABELS, verbose=0)
    with pytest.raises(RuntimeError):  # ... tf.keras RuntimeError: both work
        model.fit(IMAGES, LABELS, verbose=0)


@pytest.mark.parametrize("make, closest, listed", [
    (lambda: glassnet.Sequential([layers.Dense(1)]).compile("adma", "mse"), "'adam'", "sgd"),
    (lambda: glassnet.Sequential([layers.Dense(1)]).compile(
        "adam", "sparse_categorical_crossentopy"), "'sparse_categorical_crossentropy'", "mse"),
    (lambda: glassnet.Sequential([layers.Dense(1)]).compile("adam", "mse", ["acuracy"]),
     "'accuracy'", "mae"),
    (lambda: layers.Dense(1, activation="rleu"), "'relu'", "sigmoid"),
])
def test_unknown_names_list_valid_ones_and_suggest_the_closest(make, closest, listed):
    with pytest.raises(UnknownNameError) as info:
        make()
    assert isinstance(info.value, ValueError)
    assert f"Did you mean {closest}?" in str(info.value)
    assert listed in str(info.value)


# -- unscaled pixels ----------------------------------------------------------------------
def test_raw_pixels_warn_once():
    model = classifier()
    pixels = (IMAGES * 255).round()
    with pytest.warns(UserWarning, match=r"x / 255\.0") as record:
        model.fit(pixels, LABELS, verbose=0)
    assert sum("255" in str(w.message) for w in record) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second fit of the same model stays quiet
        model.fit(pixels, LABELS, verbose=0)
        classifier().fit(IMAGES, LABELS, verbose=0)  # scaled data: no warning
        # features that merely lie in 0-255 but have no dark background are not pixels
        classifier().fit(IMAGES * 5 + 97, LABELS, verbose=0)


# -- evaluate, validation data, and cost ---------------------------------------------------
def test_evaluate_checks_labels_too():
    model = classifier()
    rejects(model, lambda: model.evaluate(IMAGES, LABELS + 1, verbose=0), InputError,
            "y = y - 1")


def test_bad_validation_data_is_refused_before_training():
    model = classifier()
    rejects(model, lambda: model.fit(IMAGES, LABELS, validation_data=(IMAGES, LABELS + 1),
                                     verbose=0), InputError, "[0, 10)")


def test_checks_do_not_copy_float32_inputs():
    model = classifier()
    x = np.ascontiguousarray(IMAGES)
    (prepared,), (y,) = model.prepare(x, LABELS)
    assert np.shares_memory(prepared, x)
    assert y.dtype == np.intp


def test_part_of_a_long_name_is_suggested():
    with pytest.raises(UnknownNameError, match="Did you mean 'sparse_categorical_crossentropy'"):
        glassnet.losses.get("sparse")


def test_predict_with_diverged_weights_warns_once_and_clearly():
    """x is fine but the weights are NaN: one warning that says so, not NumPy's."""
    model = classifier()
    model.predict(IMAGES[:2], verbose=0)
    model.layers[1].params["kernel"][0, 0] = np.nan
    with pytest.warns(RuntimeWarning) as record:
        out = model.predict(IMAGES, verbose=0)
    assert np.isnan(out).all()
    assert len(record) == 1 and "weights are probably NaN" in str(record[0].message)
