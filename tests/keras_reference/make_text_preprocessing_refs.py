"""Write ``tests/data/keras_refs/text_preprocessing.json``: what Keras's text and category
preprocessing layers give on small inputs, for ``tests/test_text_preprocessing_keras.py``.

Keras 3's TextVectorization, StringLookup, IntegerLookup and Hashing need TensorFlow, which
/work/kenv (torch) lacks; a throwaway venv with ``tensorflow-cpu`` (it brings Keras 3) runs it:

    python -m venv /work/tfenv && /work/tfenv/bin/pip install tensorflow-cpu
    cd <worktree> && TF_CPP_MIN_LOG_LEVEL=3 OMP_NUM_THREADS=1 \\
        /work/tfenv/bin/python tests/keras_reference/make_text_preprocessing_refs.py

Each case: the layer's class and arguments, the data it adapts on (if any), the inputs, and
Keras's vocabulary (or bin boundaries) and outputs. The output file is JSON (strings).

It also writes ``tests/data/keras_files/text_files.tar.xz``: three small models with these
layers saved by Keras (``.keras``: adapted vocabularies in ``assets/``, TF-IDF weights in
``model.weights.h5``), with their predictions on ``MODEL_INPUTS`` in the JSON's ``models``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from archive import pack  # noqa: E402

OUT = HERE.parent / "data" / "keras_refs" / "text_preprocessing.json"
ARCHIVE = HERE.parent / "data" / "keras_files" / "text_files.tar.xz"

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "A cat, a dog; a bird?",
         "the THE The", "Zebra crossing", "Éclair au café", "dog dog cat"]
QUERIES = ["the cat and the dog", "unknown words here", "", "A Zebra! A zebra?"]

CASES = [
    ("TextVectorization", {}, TEXTS, QUERIES),
    ("TextVectorization", {"output_sequence_length": 4}, TEXTS, QUERIES),
    ("TextVectorization", {"max_tokens": 6}, TEXTS, QUERIES),
    ("TextVectorization", {"output_mode": "multi_hot"}, TEXTS, QUERIES),
    ("TextVectorization", {"output_mode": "count", "ngrams": 2}, TEXTS, QUERIES),
    ("TextVectorization", {"output_mode": "tf_idf"}, TEXTS, QUERIES),
    ("TextVectorization", {"output_mode": "tf_idf", "max_tokens": 8,
                           "pad_to_max_tokens": True}, TEXTS, QUERIES),
    ("TextVectorization", {"ngrams": (2,), "standardize": "lower"}, TEXTS, QUERIES),
    ("TextVectorization", {"split": "character", "standardize": None,
                           "output_sequence_length": 6}, TEXTS, QUERIES),
    ("TextVectorization", {"standardize": "strip_punctuation", "split": None}, TEXTS,
     QUERIES),
    ("TextVectorization", {"vocabulary": ["cat", "dog", "the"]}, None, QUERIES),
    ("StringLookup", {}, [["b"], ["a"], ["c"], ["a"], ["b"], ["d"]],
     [["a"], ["e"], ["d"], ["b"]]),
    ("StringLookup", {"output_mode": "multi_hot"}, [["b", "a"], ["c", "a"]],
     [["a", "e"], ["c", "c"]]),
    ("StringLookup", {"output_mode": "count", "num_oov_indices": 2},
     [["b", "a"], ["c", "a"]], [["a", "e"], ["zz", "c"], ["c", "c"]]),
    ("StringLookup", {"output_mode": "one_hot"}, [["b"], ["a"], ["a"]], [["a"], ["x"]]),
    ("StringLookup", {"mask_token": "[MASK]"}, [["b"], ["a"], ["a"]],
     [["a"], ["[MASK]"], ["q"]]),
    ("StringLookup", {"vocabulary": ["x", "y", "z"], "invert": True}, None,
     [[0, 1, 2], [3, 9, 1]]),
    ("StringLookup", {"num_oov_indices": 3, "vocabulary": ["x"]}, None,
     [["x", "p", "q", "r", "s"]]),
    ("StringLookup", {"output_mode": "tf_idf"}, [["b", "a"], ["c", "a"], ["a", "a"]],
     [["a", "e"], ["c", "b"]]),
    ("IntegerLookup", {}, [[12], [36], [12], [7], [36], [36]], [[12], [5], [7], [36]]),
    ("IntegerLookup", {"max_tokens": 3}, [[1], [2], [2], [3], [3], [3]], [[1], [2], [3]]),
    ("IntegerLookup", {"mask_token": 0, "output_mode": "int"}, [[4], [5], [5], [0]],
     [[0], [4], [5], [6]]),
    ("IntegerLookup", {"vocabulary": [10, 20], "invert": True}, None, [[0, 1, 2, 5]]),
    ("IntegerLookup", {"output_mode": "multi_hot"}, [[4, 5], [5, 6]], [[4, 9], [6, 6]]),
    ("IntegerLookup", {"num_oov_indices": 2, "vocabulary": [10]}, None, [[10, 3, 4, 7]]),
    ("Hashing", {"num_bins": 3}, None, [["A"], ["B"], ["C"], ["D"], ["E"]]),
    ("Hashing", {"num_bins": 5, "mask_value": ""}, None, [["a", ""], ["b", "c"]]),
    ("Hashing", {"num_bins": 4}, None, [[1], [2], [-3], [1234567]]),
    ("Hashing", {"num_bins": 4, "output_mode": "multi_hot"}, None, [["a", "b"], ["c", "d"]]),
    ("Hashing", {"num_bins": 7}, None,
     [["a somewhat longer string that has more than sixty-four bytes in it, for the loop"],
      ["中文字符串"], ["seventeen letters"]]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "one_hot"}, None,
     [[3], [2], [0], [1]]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "multi_hot"}, None,
     [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "count"}, None,
     [[0, 1], [0, 0], [1, 2], [3, 1]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, None,
     [[-1.5, 1.0, 2.0, -0.1], [0.0, 3.0, 0.9, 1.5]]),
    ("Discretization", {"num_bins": 4, "epsilon": 0.01},
     [[float(v)] for v in np.random.RandomState(0).normal(size=300)], [[-1.0], [0.0], [0.7]]),
    ("Discretization", {"num_bins": 3, "output_mode": "one_hot"},
     [[float(v)] for v in range(10)], [[1.0], [5.0], [9.0]]),
]


def tolist(a):
    a = np.asarray(a)
    if a.dtype.kind in "SO":
        return np.vectorize(lambda s: s.decode() if isinstance(s, bytes) else s)(a).tolist()
    return a.tolist()


def models() -> dict:
    """Three models with every layer of this family, adapted on TEXTS (and small columns)."""
    layers = keras.layers
    keras.utils.set_random_seed(0)
    tfidf = layers.TextVectorization(output_mode="tf_idf", max_tokens=8, ngrams=2)
    tfidf.adapt(TEXTS)
    inp = keras.Input(shape=(), dtype="string")
    text_tfidf = keras.Model(inp, layers.Dense(2)(tfidf(inp)))

    ids = layers.TextVectorization(output_sequence_length=5)
    ids.adapt(TEXTS)
    inp = keras.Input(shape=(1,), dtype="string")
    x = layers.Embedding(ids.vocabulary_size(), 3)(ids(inp))
    text_int = keras.Model(inp, layers.Dense(1)(layers.GlobalAveragePooling1D()(x)))

    colors = layers.StringLookup(num_oov_indices=2)
    colors.adapt(np.array([["red"], ["blue"], ["red"], ["green"]]))
    sizes = layers.IntegerLookup(vocabulary=[3, 5, 8], output_mode="one_hot")
    bins = layers.Discretization(num_bins=3, output_mode="one_hot")
    bins.adapt(np.arange(12, dtype="float32"))
    color = keras.Input(shape=(1,), dtype="string", name="color")
    size = keras.Input(shape=(1,), dtype="int64", name="size")
    weight = keras.Input(shape=(1,), name="weight")
    tag = keras.Input(shape=(1,), dtype="string", name="tag")
    features = layers.concatenate([
        layers.CategoryEncoding(colors.vocabulary_size())(colors(color)), sizes(size),
        bins(weight), layers.Hashing(num_bins=4, output_mode="one_hot")(tag)])
    categories = keras.Model([color, size, weight, tag], layers.Dense(1)(features))
    return {"text_tfidf": text_tfidf, "text_int": text_int, "categories": categories}


MODEL_INPUTS = {
    "text_tfidf": {"x": QUERIES},
    "text_int": {"x": [[q] for q in QUERIES]},
    "categories": {"color": [["red"], ["purple"], ["green"], ["blue"]],
                   "size": [[5], [3], [4], [8]], "weight": [[0.5], [4.2], [11.0], [7.9]],
                   "tag": [["a"], ["b"], ["c"], ["d"]]},
}


def model_refs() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, model in models().items():
            model.save(f"{folder}/{name}.keras")
            given = MODEL_INPUTS[name]
            # Keras's predict refuses NumPy str arrays ("Invalid dtype: str608"): tf.constant
            if "x" in given:
                x = tf.constant(given["x"])
            else:
                x = {k: tf.constant(v, dtype={"size": "int64", "weight": "float32"}.get(k))
                     for k, v in given.items()}
            out[name] = np.asarray(model(x)).tolist()
        pack(folder, ARCHIVE)
    return out


def main() -> None:
    out = []
    for cls, kwargs, data, inputs in CASES:
        layer = getattr(keras.layers, cls)(**kwargs)
        if data is not None:
            layer.adapt(data if cls != "Discretization" else np.array(data, "float32"))
        if cls in ("StringLookup",) and kwargs.get("invert") or cls == "IntegerLookup" \
                or cls == "CategoryEncoding":
            x = np.array(inputs, "int64")
        elif cls == "Discretization":
            x = np.array(inputs, "float32")
        elif cls == "Hashing" and isinstance(inputs[0][0], int):
            x = np.array(inputs, "int64")
        else:
            x = np.array(inputs)
        y = layer(x)
        case = {"class": cls, "kwargs": {k: list(v) if isinstance(v, tuple) else v
                                         for k, v in kwargs.items()},
                "data": data, "inputs": inputs, "outputs": tolist(y)}
        if hasattr(layer, "get_vocabulary"):
            case["vocabulary"] = [int(v) if isinstance(v, (int, np.integer)) else v
                                  for v in layer.get_vocabulary()]
        if cls == "Discretization":
            case["bin_boundaries"] = [float(b) for b in layer.bin_boundaries]
        out.append(case)
    meta = {"keras": keras.__version__, "tensorflow": tf.__version__}
    refs = {"meta": meta, "cases": out, "model_inputs": MODEL_INPUTS, "models": model_refs()}
    OUT.write_text(json.dumps(refs, ensure_ascii=False, indent=1)
                   + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(out)} cases)")


if __name__ == "__main__":
    main()
