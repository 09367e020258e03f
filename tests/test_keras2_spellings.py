"""Keras 2 spellings and small utilities that real programs stop on: np_utils,
layers.experimental.preprocessing, pad_sequences, Tokenizer, plot_model, variable-length
Input. Expected values marked "Keras" were printed by Keras 3.15.1 (pad_sequences) and by
keras_preprocessing 1.1.2, the code behind Keras 2's keras.preprocessing (Tokenizer)."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest

import glassnet as tf
from glassnet import legacy
from glassnet.errors import InputError
from glassnet.preprocessing.sequence import pad_sequences
from glassnet.preprocessing.text import Tokenizer, text_to_word_sequence


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which old spellings already warned in this process."""
    monkeypatch.setattr(legacy, "_WARNED", set())


# -- legacy module paths ------------------------------------------------------------------
def test_np_utils_imports_and_warns_once(fresh_warnings):
    with pytest.warns(UserWarning, match="keras.utils.to_categorical"):
        from glassnet.keras.utils.np_utils import to_categorical
    np.testing.assert_array_equal(to_categorical([1, 0], 3), [[0, 1, 0], [1, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second use is silent
        tf.keras.utils.np_utils.to_categorical([2])
    with pytest.raises(AttributeError, match="nothing_here"):
        tf.keras.utils.np_utils.nothing_here  # noqa: B018


def test_layers_experimental_preprocessing_gives_the_current_classes(fresh_warnings):
    with pytest.warns(UserWarning, match=r"keras\.layers\.Rescaling"):
        from glassnet.keras.layers.experimental.preprocessing import Rescaling
    assert Rescaling is tf.keras.layers.Rescaling
    with pytest.warns(UserWarning, match=r"keras\.layers\.RandomFlip"):
        flip = tf.keras.layers.experimental.preprocessing.RandomFlip
    assert flip is tf.keras.layers.RandomFlip
    module = importlib.import_module("glassnet.keras.layers.experimental.preprocessing")
    with pytest.raises(AttributeError, match="NotALayer"):
        module.NotALayer  # noqa: B018
    with pytest.warns(UserWarning, match=r"keras\.layers\.Resizing"):
        assert module.Resizing is tf.keras.layers.Resizing


# -- pad_sequences --------------------------------------------------------------------------
SEQS = [[1, 2, 3], [4, 5], [], [6, 7, 8, 9]]


@pytest.mark.parametrize("kwargs, expected", [  # Keras 3.15.1 and keras_preprocessing agree
    ({}, [[0, 1, 2, 3], [0, 0, 4, 5], [0, 0, 0, 0], [6, 7, 8, 9]]),
    ({"maxlen": 3}, [[1, 2, 3], [0, 4, 5], [0, 0, 0], [7, 8, 9]]),
    ({"maxlen": 3, "padding": "post"}, [[1, 2, 3], [4, 5, 0], [0, 0, 0], [7, 8, 9]]),
    ({"maxlen": 3, "truncating": "post"}, [[1, 2, 3], [0, 4, 5], [0, 0, 0], [6, 7, 8]]),
])
def test_pad_sequences_matches_keras(kwargs, expected):
    out = pad_sequences(SEQS, **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_value_dtype_and_vectors():
    out = pad_sequences(SEQS, maxlen=5, value=-1, dtype="float32")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[1], [-1, -1, -1, 4, 5])
    np.testing.assert_array_equal(pad_sequences([[[1, 2], [3, 4]], [[5, 6]]]),
                                  [[[1, 2], [3, 4]], [[0, 0], [5, 6]]])  # Keras
    assert tf.keras.utils.pad_sequences is pad_sequences
    assert tf.keras.preprocessing.sequence.pad_sequences is pad_sequences


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="entry 1"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="padding"):
        pad_sequences([[1]], padding="left")
    with pytest.raises(ValueError, match="same shape"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


# -- Tokenizer (Keras 2) ----------------------------------------------------------------------
TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat, cat, DOG"]


def test_tokenizer_matches_keras_preprocessing(fresh_warnings):
    with pytest.warns(UserWarning, match="TextVectorization"):
        t = Tokenizer(num_words=5, oov_token="<oov>")
    t.fit_on_texts(TEXTS)
    assert t.word_index == {"<oov>": 1, "the": 2, "cat": 3, "dog": 4, "sat": 5, "on": 6,
                            "mat": 7, "ate": 8, "my": 9, "homework": 10}
    assert t.texts_to_sequences(["the cat and the bird", "dog mat"]) == [[2, 3, 1, 2, 1],
                                                                         [4, 1]]
    assert t.sequences_to_texts([[2, 3, 9, 1]]) == ["the cat <oov> <oov>"]
    expected = {
        "binary": [[0, 0, 1, 1, 1], [0, 1, 0, 0, 0]],
        "count": [[0, 0, 2, 1, 1], [0, 1, 0, 0, 0]],
        "freq": [[0, 0, 0.5, 0.25, 0.25], [0, 1, 0, 0, 0]],
        "tfidf": [[0, 0, 1.1736, 0.693147, 0.693147], [0, 1.386294, 0, 0, 0]],
    }
    for mode, values in expected.items():
        np.testing.assert_allclose(t.texts_to_matrix(["the the cat dog", "zebra"], mode=mode),
                                   values, atol=1e-6)


@pytest.mark.filterwarnings("ignore:keras.preprocessing.text.Tokenizer")
def test_tokenizer_without_oov_and_char_level():
    t = Tokenizer()
    t.fit_on_texts(TEXTS)
    assert list(t.word_index)[:3] == ["the", "cat", "dog"] and t.word_index["homework"] == 9
    assert t.word_docs["cat"] == 2 and t.document_count == 3
    assert t.texts_to_sequences(["the cat and the bird"]) == [[1, 2, 1]]  # unknown: dropped
    c = Tokenizer(char_level=True)
    c.fit_on_texts(["abca", "Bd"])
    assert c.word_index == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert text_to_word_sequence("Hello, World! It's me.") == ["hello", "world", "it's", "me"]
    with pytest.raises(ValueError, match="fit_on_texts"):
        Tokenizer().texts_to_matrix(["a"])


# -- plot_model ---------------------------------------------------------------------------------
def test_plot_model_prints_and_returns_none(tmp_path, capsys):
    model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2)], name="tiny")
    target = tmp_path / "model.png"
    assert tf.keras.utils.plot_model(model, str(target), show_shapes=True) is None
    out = capsys.readouterr().out
    assert "does not draw" in out and "model.summary()" in out and "'tiny'" in out
    assert not target.exists()
    assert tf.keras.utils.model_to_dot(model, show_shapes=True) is None
    assert "model_to_dot" in capsys.readouterr().out


# -- Input(shape=(None, ...)) ----------------------------------------------------------------
@pytest.mark.parametrize("shape, layer, fix", [
    ((None,), lambda: tf.keras.layers.Dense(4),
     r"Embedding.*LSTM.*pad_sequences\(x, maxlen=200\).*Input\(shape=\(200,\)\)"),
    ((None, 10), lambda: tf.keras.layers.Flatten(),
     r"GlobalAveragePooling1D.*Input\(shape=\(T, 10\)\)"),
    ((None, None, 3), lambda: tf.keras.layers.Flatten(), r"resize the images"),  # Conv2D takes it
])
def test_variable_length_input_names_the_fix(shape, layer, fix):
    """Input(shape=(None, ...)) builds (sequences of any length, for Embedding and the RNN
    layers); a layer that needs every axis fixed refuses it, naming the fix."""
    inputs = tf.keras.Input(shape=shape)
    assert inputs.shape == (None, *shape)
    with pytest.raises(InputError, match=fix):
        layer()(inputs)
    with pytest.raises(ValueError, match="variable length"):  # InputError is a ValueError
        layer()(tf.keras.Input(shape=shape, dtype="int32"))


def test_predict_classes_and_predict_proba_warn_and_answer_as_keras2(fresh_warnings):
    model = tf.keras.Sequential([tf.keras.layers.Dense(
        3, activation="softmax", input_shape=(2,))])
    x = np.array([[0.0, 1.0], [2.0, -1.0], [-3.0, 0.5]])
    with pytest.warns(UserWarning, match=r"np\.argmax\(model\.predict\(x\), axis=-1\)"):
        classes = model.predict_classes(x)
    np.testing.assert_array_equal(classes, model.predict(x, verbose=0).argmax(axis=-1))
    with pytest.warns(UserWarning, match=r"model\.predict\(x\)"):
        np.testing.assert_allclose(model.predict_proba(x), model.predict(x, verbose=0))
    binary = tf.keras.Sequential([tf.keras.layers.Dense(
        1, activation="sigmoid", input_shape=(2,))])
    p = binary.predict(x, verbose=0)
    np.testing.assert_array_equal(binary.predict_classes(x), (p > 0.5).astype("int32"))
