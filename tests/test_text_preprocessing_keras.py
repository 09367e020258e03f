"""glassnet's text and category preprocessing layers against Keras 3's, on the same inputs:
vocabularies (order and tie-breaks), token ids, multi-hot/count/TF-IDF values, hash bins and
quantile boundaries. The reference values were written by real Keras (with TensorFlow) with
``tests/keras_reference/make_text_preprocessing_refs.py``; this test needs neither."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from glassnet import layers

REFS = json.loads((Path(__file__).parent / "data" / "keras_refs" /
                   "text_preprocessing.json").read_text(encoding="utf-8"))
CASES = REFS["cases"]


def _id(case) -> str:
    return case["class"] + "-" + "-".join(f"{k}={v}" for k, v in case["kwargs"].items()
                                          if k != "vocabulary")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_same_as_keras(case):
    kwargs = dict(case["kwargs"])
    layer = getattr(layers, case["class"])(**kwargs)
    if case["data"] is not None:
        layer.adapt(np.array(case["data"]))
    x = np.array(case["inputs"])
    if case["class"] == "Discretization":
        x = x.astype(np.float32)
    y = np.asarray(layer(x))
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
    if "bin_boundaries" in case:
        np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=1e-6)
    expected = np.array(case["outputs"])
    assert y.shape == expected.shape
    if expected.dtype.kind in "US":
        assert y.tolist() == expected.tolist()
    else:
        np.testing.assert_allclose(y.astype(np.float64), expected, rtol=1e-6, atol=1e-7)


def test_the_references_cover_every_layer():
    assert {c["class"] for c in CASES} == {"TextVectorization", "StringLookup",
                                           "IntegerLookup", "Hashing", "CategoryEncoding",
                                           "Discretization"}


# -- models saved by Keras (.keras: vocabularies in assets/, idf_weights in the weights) -----
ARCHIVE = Path(__file__).parent / "data" / "keras_files" / "text_files.tar.xz"


@pytest.fixture(scope="module")
def text_files(tmp_path_factory):
    from archives import unpack

    return unpack(ARCHIVE, tmp_path_factory.mktemp("text_files"))


def _model_inputs(name):
    given = REFS["model_inputs"][name]
    if "x" in given:
        return np.array(given["x"])
    x = {k: np.array(v) for k, v in given.items()}
    return {**x, "size": x["size"].astype(np.int64), "weight": x["weight"].astype(np.float32)}


@pytest.mark.parametrize("name", sorted(REFS["models"]))
def test_models_saved_by_keras_predict_the_same(text_files, name):
    pytest.importorskip("h5py")
    import glassnet

    model = glassnet.models.load_model(text_files / f"{name}.keras")
    np.testing.assert_allclose(model.predict(_model_inputs(name), verbose=0),
                               REFS["models"][name], rtol=1e-5, atol=1e-6)


def test_a_keras_file_round_trips_through_glassnet(text_files, tmp_path):
    """glassnet writes what it read (vocabulary in the config, idf_weights where Keras keeps
    them) and reads it back to the same predictions."""
    pytest.importorskip("h5py")
    import glassnet

    model = glassnet.models.load_model(text_files / "text_tfidf.keras")
    model.save(tmp_path / "again.keras")
    again = glassnet.models.load_model(tmp_path / "again.keras")
    x = _model_inputs("text_tfidf")
    np.testing.assert_allclose(again.predict(x, verbose=0), REFS["models"]["text_tfidf"],
                               rtol=1e-5, atol=1e-6)


def test_real_keras_reads_what_glassnet_writes(text_files, tmp_path):
    """glassnet -> Keras: Keras 3 (with TensorFlow, which its text layers need) loads the
    files glassnet writes and predicts the same. Runs only where both are installed (the
    throwaway venv of make_text_preprocessing_refs.py), skipped elsewhere."""
    pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    import tensorflow as tf_real

    import glassnet

    for name in sorted(REFS["models"]):
        model = glassnet.models.load_model(text_files / f"{name}.keras")
        model.save(tmp_path / f"{name}.keras")
        theirs = keras.models.load_model(tmp_path / f"{name}.keras")
        given = REFS["model_inputs"][name]
        x = (tf_real.constant(given["x"]) if "x" in given else
             {k: tf_real.constant(v, dtype={"size": "int64", "weight": "float32"}.get(k))
              for k, v in given.items()})
        np.testing.assert_allclose(np.asarray(theirs(x)), REFS["models"][name], rtol=1e-5,
                                   atol=1e-6)
    tv = glassnet.layers.TextVectorization(output_sequence_length=4)
    tv.adapt(["a b c", "a b", "c d"])  # adapted in glassnet: the vocabulary is in the config
    inputs = glassnet.keras.Input(shape=(1,), dtype="string")
    ours = glassnet.keras.Model(inputs, glassnet.layers.Dense(2)(tv(inputs)))
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(np.asarray(theirs(tf_real.constant([["a d q"], ["c"]]))),
                               ours.predict(np.array(["a d q", "c"]), verbose=0), rtol=1e-5)
