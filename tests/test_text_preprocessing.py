"""Keras's preprocessing layers for text and categories (TextVectorization, StringLookup,
IntegerLookup, CategoryEncoding, Hashing, Discretization): behaviour, errors, models with
string inputs, saving, and ``text_dataset_from_directory``. Their outputs on the same inputs
as real Keras are in ``test_text_preprocessing_keras.py``."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import glassnet as tf
from glassnet import layers, legacy
from glassnet.farmhash import fingerprint64

DOCS = ["the cat sat", "the dog"]


@pytest.fixture
def fresh_warnings(monkeypatch):
    """The Keras 2 spellings warn once per process: forget earlier warnings."""
    monkeypatch.setattr(legacy, "_WARNED", set())


# -- TextVectorization ------------------------------------------------------------------
def test_vocabulary_is_padding_unknown_then_by_count_ties_larger_first():
    tv = layers.TextVectorization()
    tv.adapt(DOCS)
    # "the" twice; then count 1 each, in reverse order of the tokens (Keras's lexsort)
    assert tv.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog", "cat"]
    assert tv.get_vocabulary(include_special_tokens=False) == ["the", "sat", "dog", "cat"]
    assert tv.vocabulary_size() == 6
    np.testing.assert_array_equal(tv(["The cat ran."]), [[2, 5, 1]])


def test_int_rows_pad_to_the_longest_or_to_output_sequence_length():
    tv = layers.TextVectorization(vocabulary=["a", "b"])
    np.testing.assert_array_equal(tv(["a b a", "b"]), [[2, 3, 2], [3, 0, 0]])
    cut = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=2)
    np.testing.assert_array_equal(cut(np.array([["a b a"], ["b"]])), [[2, 3], [3, 0]])
    assert np.asarray(cut(["a"])).dtype == np.int64


def test_adapt_reads_a_dataset_of_batches_as_the_whole_array():
    texts = np.array(["x y", "y z z", "a", "z"])
    whole, batched = layers.TextVectorization(), layers.TextVectorization()
    whole.adapt(texts)
    batched.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(3))
    assert whole.get_vocabulary() == batched.get_vocabulary() == ["", "[UNK]", "z", "y", "x",
                                                                  "a"]


def test_max_tokens_keeps_the_most_frequent():
    tv = layers.TextVectorization(max_tokens=4)
    tv.adapt(["a a a b b c"])
    assert tv.get_vocabulary() == ["", "[UNK]", "a", "b"]


def test_a_standardize_function_of_string_tensors():
    def standardize(x):
        return tf.strings.regex_replace(tf.strings.lower(x), "<br />", " ")

    tv = layers.TextVectorization(standardize=standardize, split="whitespace")
    tv.adapt(["Hello<br />World!"])
    assert tv.get_vocabulary() == ["", "[UNK]", "world!", "hello"]


def test_multi_hot_count_tf_idf_are_vectors_without_the_padding_index():
    tv = layers.TextVectorization(output_mode="count")
    tv.adapt(["b a a", "a"])
    assert tv.get_vocabulary() == ["[UNK]", "a", "b"]
    np.testing.assert_array_equal(tv(["a a q"]), [[1, 2, 0]])
    idf = layers.TextVectorization(output_mode="tf_idf")
    idf.adapt(["b a a", "a"])  # idf(t) = log(1 + D / (1 + d(t))), D = 2 documents
    a, b = np.log(1 + 2 / 3), np.log(1 + 2 / 2)
    np.testing.assert_allclose(idf(["a a b q"]), [[(a + b) / 2, 2 * a, b]], rtol=1e-6)


def test_text_vectorization_errors_name_the_argument():
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="multi_hot", output_sequence_length=3)
    with pytest.raises(ValueError, match="'whitespace', 'character'"):
        layers.TextVectorization(split="comma")
    fixed = layers.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="cannot also adapt"):
        fixed.adapt(["a"])
    with pytest.raises(ValueError, match="one string"):
        fixed(np.array([["a", "b"]]))


# -- StringLookup, IntegerLookup ------------------------------------------------------------
def test_string_lookup_and_its_inverse():
    lookup = layers.StringLookup(vocabulary=["a", "b", "c"])
    ids = lookup(np.array([["a", "c", "zz"]]))
    np.testing.assert_array_equal(ids, [[1, 3, 0]])
    inverse = layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert np.asarray(inverse(ids)).tolist() == [["a", "c", "[UNK]"]]


def test_a_vocabulary_with_its_special_tokens_is_the_same_vocabulary():
    lookup = layers.StringLookup(vocabulary=["[UNK]", "a", "b"])
    assert lookup.get_vocabulary() == ["[UNK]", "a", "b"]


def test_integer_lookup_mask_and_oov():
    lookup = layers.IntegerLookup(mask_token=0)
    lookup.adapt(np.array([[7], [7], [9], [0]]))
    assert lookup.get_vocabulary() == [0, -1, 7, 9]
    np.testing.assert_array_equal(lookup(np.array([[0, 9, 5]])), [[0, 3, 1]])


def test_lookup_errors():
    with pytest.raises(ValueError, match=r"repeats \['a'\]"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="max_tokens=3"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    strict = layers.StringLookup(vocabulary=["a"], num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=1"):
        strict(np.array([["b"]]))
    with pytest.raises(RuntimeError, match="adapt"):
        layers.StringLookup(output_mode="multi_hot")(np.array([["a"]]))


# -- CategoryEncoding, Hashing, Discretization ----------------------------------------------
def test_category_encoding_modes_and_range_error():
    assert np.asarray(layers.CategoryEncoding(3, "one_hot")([[2]])).tolist() == [[0, 0, 1]]
    assert np.asarray(layers.CategoryEncoding(3)([[2, 0, 2]])).tolist() == [[1, 0, 1]]
    counts = layers.CategoryEncoding(3, "count")([[2, 0, 2]], count_weights=[[0.5, 1, 2]])
    np.testing.assert_allclose(counts, [[1, 0, 2.5]])
    with pytest.raises(ValueError, match=r"\[0, 3\).*IntegerLookup"):
        layers.CategoryEncoding(3)([[3]])


def test_farmhash_fingerprint64_known_values():
    # values of tf.strings.to_hash_bucket_fast(s, 2**62) from TensorFlow 2.21 (all lengths:
    # 0-16, 17-32, 33-64 and the 64-byte loop)
    for s, v in [("", 1936946117179621455), ("a", 3694432073954588131),
                 ("abcdefghijklmnopq", 2171023947900359592), ("x" * 40, 3168538174772821140),
                 ("y" * 100, 3286434551874864643), ("z" * 129, 2429128038119043892),
                 ("中文", 1492797022198779051)]:
        assert fingerprint64(s) % 2 ** 62 == v


def test_hashing_mask_value_takes_bin_zero():
    h = layers.Hashing(num_bins=5, mask_value="")
    out = np.asarray(h(np.array([["", "a"]])))
    assert out[0, 0] == 0 and out[0, 1] == fingerprint64("a") % 4 + 1


def test_discretization_bins_and_adapted_config():
    d = layers.Discretization(bin_boundaries=[0.0, 1.0])
    np.testing.assert_array_equal(d(np.array([[-1.0, 0.5, 1.0, 2.0]])), [[0, 1, 2, 2]])
    q = layers.Discretization(num_bins=4)
    q.adapt(np.arange(100.0))
    again = layers.Discretization.from_config(q.get_config())
    assert again.bin_boundaries == q.bin_boundaries and len(q.bin_boundaries) == 3
    with pytest.raises(ValueError, match="not both"):
        layers.Discretization(bin_boundaries=[0.0], num_bins=2)


# -- in models: strings in, no gradient, saving ----------------------------------------
def _text_model(tv):
    inputs = tf.keras.Input(shape=(1,), dtype="string")
    x = tv(inputs)
    x = layers.Embedding(tv.vocabulary_size(), 4)(x)
    x = layers.GlobalAveragePooling1D()(x)
    return tf.keras.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def test_a_string_input_model_trains_the_layers_after_the_vectorizer(seed):
    texts = np.array(["good fine", "bad awful", "fine good good", "awful bad"] * 4)
    labels = np.array([1, 0, 1, 0] * 4, np.float32)
    tv = layers.TextVectorization(output_sequence_length=3)
    tv.adapt(texts)
    model = _text_model(tv)
    assert tv.weights == [] and tv.backward(np.ones((2, 3))) is None
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    before = model.layers[2].get_weights()[0].copy()  # the Embedding
    history = model.fit(texts, labels, epochs=30, batch_size=4, verbose=0)
    assert not np.array_equal(before, model.layers[2].get_weights()[0])
    assert history.history["accuracy"][-1] == 1.0
    p = model.predict(tf.constant(["good good", "bad bad"]), verbose=0)
    assert p[0, 0] > 0.5 > p[1, 0]


def test_a_model_without_a_string_first_layer_still_refuses_text():
    model = tf.keras.Sequential([tf.keras.Input(shape=(1,)), layers.Dense(1)])
    with pytest.raises(TypeError, match="not numbers"):
        model.predict(np.array(["a"]), verbose=0)


@pytest.mark.parametrize("suffix", [".glassnet", ".keras"])
def test_save_and_load_keep_the_vocabulary_and_idf_weights(tmp_path, suffix):
    pytest.importorskip("h5py") if suffix == ".keras" else None
    tv = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
    tv.adapt(["a b c", "a b", "c d"])
    inputs = tf.keras.Input(shape=(1,), dtype="string")
    model = tf.keras.Model(inputs, layers.Dense(2)(tv(inputs)))
    path = str(tmp_path / f"m{suffix}")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    x = np.array(["a b d", "c q"])
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[1].get_vocabulary() == tv.get_vocabulary()


def test_a_saved_standardize_function_must_be_named_when_loading(tmp_path):
    def shout(x):
        return tf.strings.upper(x)

    inputs = tf.keras.Input(shape=(1,), dtype="string")
    tv = layers.TextVectorization(standardize=shout, vocabulary=["A"])
    model = tf.keras.Model(inputs, tv(inputs))
    path = str(tmp_path / "m.glassnet")
    model.save(path)
    with pytest.raises(Exception, match="custom_objects"):
        tf.keras.models.load_model(path)
    loaded = tf.keras.models.load_model(path, custom_objects={"shout": shout})
    np.testing.assert_array_equal(loaded.predict(np.array(["a"]), verbose=0), [[2]])


def test_a_structured_model_with_string_and_integer_inputs(seed):
    color = np.array([["red"], ["blue"], ["red"], ["green"]] * 5)
    size = np.array([[1], [3], [1], [2]] * 5, np.int64)
    y = np.array([1, 0, 1, 0] * 5, np.float32)
    colors, sizes = layers.StringLookup(), layers.IntegerLookup()
    colors.adapt(color)
    sizes.adapt(size)
    c_in = tf.keras.Input(shape=(1,), name="color", dtype="string")
    s_in = tf.keras.Input(shape=(1,), name="size", dtype="int64")
    features = layers.concatenate([
        layers.CategoryEncoding(num_tokens=colors.vocabulary_size())(colors(c_in)),
        layers.CategoryEncoding(num_tokens=sizes.vocabulary_size())(sizes(s_in))])
    model = tf.keras.Model([c_in, s_in], layers.Dense(1, activation="sigmoid")(features))
    model.compile(tf.keras.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    data = {"color": color, "size": size, "label": y}  # an extra key: ignored, as in Keras
    with pytest.warns(UserWarning, match=r"\['label'\].*ignored"):
        model.fit(data, y, epochs=20, verbose=0)
    assert model.evaluate({"color": color, "size": size}, y, verbose=0)[1] == 1.0


def test_a_model_for_any_length_takes_a_fixed_length():
    inner_in = tf.keras.Input(shape=(None,), dtype="int64")
    inner = tf.keras.Model(inner_in, layers.GlobalAveragePooling1D()(
        layers.Embedding(5, 2)(inner_in)))
    outer_in = tf.keras.Input(shape=(1,), dtype="string")
    tv = layers.TextVectorization(vocabulary=["a", "b"], output_sequence_length=4)
    outer = tf.keras.Model(outer_in, inner(tv(outer_in)))
    assert outer.predict(np.array(["a b"]), verbose=0).shape == (1, 2)


# -- names --------------------------------------------------------------------------------
def test_keras2_experimental_names_resolve_with_a_warning(fresh_warnings):
    from glassnet.keras.layers.experimental import preprocessing

    with pytest.warns(UserWarning, match="keras.layers.StringLookup"):
        assert preprocessing.StringLookup is layers.StringLookup
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert preprocessing.TextVectorization is layers.TextVectorization


# -- text_dataset_from_directory -------------------------------------------------------------
@pytest.fixture
def reviews(tmp_path):
    """A tiny aclImdb-like folder: neg/ and pos/, 5 .txt files each (and one .md ignored)."""
    for label in ("neg", "pos"):
        (tmp_path / label).mkdir()
        for i in range(5):
            (tmp_path / label / f"{i}_1.txt").write_text(f"{label} review {i} é",
                                                          encoding="utf-8")
    (tmp_path / "pos" / "notes.md").write_text("not a review")
    return tmp_path


def test_text_dataset_from_directory_batches_texts_and_labels(reviews, capsys):
    ds = tf.keras.utils.text_dataset_from_directory(reviews, batch_size=4, shuffle=False)
    assert "Found 10 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["neg", "pos"]
    texts, labels = zip(*[(t, y) for t, y in ds])
    assert [len(t) for t in texts] == [4, 4, 2]
    all_texts = np.concatenate(texts)
    assert all_texts[0] == "neg review 0 é" and all_texts.dtype.kind == "U"
    np.testing.assert_array_equal(np.concatenate(labels), [0] * 5 + [1] * 5)


def test_text_dataset_split_is_disjoint_and_repeatable(reviews):
    def texts(subset):
        ds = tf.keras.preprocessing.text_dataset_from_directory(  # the Keras 2 name
            reviews, batch_size=3, validation_split=0.4, subset=subset, seed=7, verbose=False)
        return sorted(t for batch, _ in ds for t in batch.tolist())

    train, val = texts("training"), texts("validation")
    assert len(train) == 6 and len(val) == 4 and not set(train) & set(val)
    assert texts("validation") == val


def test_text_dataset_label_modes_and_max_length(reviews):
    ds = tf.keras.utils.text_dataset_from_directory(reviews, label_mode="binary",
                                                    max_length=3, shuffle=False, verbose=False)
    texts, labels = next(iter(ds))
    assert labels.shape == (10, 1) and labels.dtype == np.float32
    assert set(texts.tolist()) == {"neg", "pos"}
    with pytest.raises(ValueError, match="seed"):
        tf.keras.utils.text_dataset_from_directory(reviews, validation_split=0.2,
                                                   subset="training")
    with pytest.raises(ValueError, match="No text files"):
        tf.keras.utils.text_dataset_from_directory(os.fspath(reviews / "neg"),
                                                   verbose=False)


# -- no gradient -------------------------------------------------------------------------
def test_no_gradient_flows_through_a_preprocessing_layer(float64):
    """The outputs are indices or counts: piecewise constant in the input. Central
    differences away from the bin boundaries are 0, the tape gives no gradient (None, as
    TensorFlow does for an integer op) and ``backward`` returns None."""
    d = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot")
    x = np.array([[-0.5], [0.3], [1.7]])
    eps = 1e-6
    numeric = (np.asarray(d(x + eps)) - np.asarray(d(x - eps))) / (2 * eps)
    assert not numeric.any()
    xt = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(d(xt) * np.arange(3.0))
    assert tape.gradient(y, xt) is None
    assert d.backward(np.ones((3, 3))) is None


def test_category_encoding_max_tokens_is_the_old_num_tokens(fresh_warnings):
    with pytest.warns(UserWarning, match=r"CategoryEncoding\(num_tokens=...\)"):
        layer = layers.CategoryEncoding(max_tokens=3, output_mode="binary")
    assert layer.num_tokens == 3 and layer.output_mode == "multi_hot"
