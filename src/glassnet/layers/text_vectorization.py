"""``TextVectorization``: strings to token indices (or multi-hot, count, TF-IDF vectors), as
Keras's layer does (``keras/src/layers/preprocessing/text_vectorization.py``).

Each string goes through three steps, then a ``StringLookup`` with ``mask_token=""``:

1. standardize: ``"lower_and_strip_punctuation"`` (the default) lowercases ASCII letters
   (``tf.strings.lower`` leaves other letters as they are) and deletes ASCII punctuation
   ``!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'``; ``"lower"``, ``"strip_punctuation"``, None, or
   a function of a string tensor;
2. split: ``"whitespace"`` (runs of spaces, tabs, newlines), ``"character"``, None (the
   whole string is one token), or a function;
3. ngrams: ``ngrams=2`` adds the pairs of neighbouring tokens joined by a space after the
   tokens (``(1, 2)`` widths), ``ngrams=(2,)`` keeps only the pairs.

``output_mode="int"``: index 0 is the padding "" and 1 the unknown "[UNK]"; each row is
padded with 0 to the longest row of the batch, or cut/padded to
``output_sequence_length``. Example, after ``adapt(["the cat sat", "the dog"])`` (the
vocabulary ``["", "[UNK]", "the", "sat", "dog", "cat"]``: "the" twice, then the others in
reverse order)::

    layer(["The cat ran."])  ->  [[2, 5, 1]]

``"multi_hot"``, ``"count"``, ``"tf_idf"`` give one vector of ``vocabulary_size()`` per
string (no padding index: index 0 is "[UNK]").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from ..data import as_text
from ..i18n import _
from ..tensor import Tensor
from .data_layer import DataLayer, as_data, check_mode
from .index_lookup import StringLookup

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")


class TextVectorization(DataLayer):
    """Strings -> token indices or vectors (see the module docstring for the steps).

    Args (Keras's): ``max_tokens`` (vocabulary size, with "" and "[UNK]"), ``standardize``,
    ``split``, ``ngrams``, ``output_mode`` (``"int"``, ``"multi_hot"``, ``"count"``,
    ``"tf_idf"``), ``output_sequence_length`` (int mode), ``pad_to_max_tokens``,
    ``vocabulary`` (a list or file), ``idf_weights`` (tf_idf with a vocabulary).
    """

    accepts_text = True

    def __init__(self, max_tokens: int | None = None,
                 standardize: str | Callable | None = "lower_and_strip_punctuation",
                 split: str | Callable | None = "whitespace", ngrams=None,
                 output_mode: str = "int", output_sequence_length: int | None = None,
                 pad_to_max_tokens: bool = False, vocabulary=None, idf_weights=None,
                 sparse: bool = False, ragged: bool = False, encoding: str = "utf-8",
                 vocabulary_size: int | None = None, has_input_vocabulary: bool | None = None,
                 **kwargs) -> None:
        # vocabulary_size: the width a saved model was built for (see StringLookup)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        for what, value, allowed in (("standardize", standardize, STANDARDIZE),
                                     ("split", split, SPLIT)):
            if not (value is None or callable(value) or value in allowed):
                raise ValueError(_("TextVectorization: {what}={value!r} is not one of "
                                   "{allowed}, None or a function.").format(
                                       what=what, value=value,
                                       allowed=", ".join(map(repr, allowed))))
        mode = check_mode("TextVectorization", output_mode,
                          ("int", "multi_hot", "count", "tf_idf"))
        if isinstance(ngrams, (list, tuple)):
            ngrams = tuple(int(n) for n in ngrams)
        elif ngrams is not None and not isinstance(ngrams, int):
            raise ValueError(_("TextVectorization: ngrams must be None, an integer or a "
                               "tuple of integers, got {ngrams!r}.").format(ngrams=ngrams))
        if output_sequence_length is not None and mode != "int":
            raise ValueError(_("TextVectorization: output_sequence_length is for "
                               "output_mode='int' only, got output_mode={mode!r}.").format(
                                   mode=mode))
        if ragged:
            raise NotImplementedError(_("TextVectorization: ragged=True is not supported "
                                        "by glassnet; rows are padded with 0."))
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self.widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = mode
        self.output_sequence_length = output_sequence_length
        self.encoding = encoding
        self.lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary,
                                         idf_weights=idf_weights, mask_token="",
                                         output_mode=mode, pad_to_max_tokens=pad_to_max_tokens,
                                         sparse=sparse, vocabulary_size=vocabulary_size,
                                         name=f"{self.name}_lookup")

    # -- the steps ----------------------------------------------------------------------
    def preprocess(self, x: np.ndarray) -> list[list[str]]:
        """Each string of ``x`` (shape ``(batch,)`` or ``(batch, 1)``) as its tokens."""
        if x.ndim > 1:
            if x.shape[-1] != 1:
                raise ValueError(_("TextVectorization layer {name!r}: each sample must be "
                                   "one string, shape (batch,) or (batch, 1); got "
                                   "{shape}.").format(name=self.name, shape=x.shape))
            x = x.reshape(x.shape[:-1])
        strings = [as_text(s) for s in x.reshape(-1).tolist()]
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            strings = [s.translate(ASCII_LOWER) for s in strings]
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            strings = [PUNCTUATION.sub("", s) for s in strings]
        if callable(self.standardize):
            out = self.standardize(Tensor(np.asarray(strings, dtype=str)))
            strings = [as_text(s) for s in np.asarray(as_data(out)).reshape(-1).tolist()]
        if self.split is None:
            rows = [[s] for s in strings]
        elif self.split == "whitespace":
            rows = [s.split() for s in strings]
        elif self.split == "character":
            rows = [list(s) for s in strings]
        else:
            out = self.split(Tensor(np.asarray(strings, dtype=str)))
            rows = [[as_text(t) for t in np.asarray(row).reshape(-1).tolist()]
                    for row in (out.to_list() if hasattr(out, "to_list") else out)]
        if self.widths is not None:
            rows = [self._ngrams(r) for r in rows]
        return rows

    def _ngrams(self, tokens: list[str]) -> list[str]:
        """``tf.strings.ngrams(tokens, widths, separator=" ")``: all n-grams of each width
        in turn (none of a width longer than the row)."""
        return [" ".join(tokens[i:i + n]) for n in self.widths
                for i in range(len(tokens) - n + 1)]

    # -- vocabulary -----------------------------------------------------------------------
    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary from strings: an array or list of them, or a dataset (or
        iterable) of batches of them, e.g. ``train_ds.map(lambda x, y: x)``."""
        import itertools

        if self.lookup_layer.has_input_vocabulary:
            raise ValueError(_("TextVectorization layer {name!r} was given a vocabulary; "
                               "it cannot also adapt.").format(name=self.name))
        self.lookup_layer.learn_rows(
            row for batch in itertools.islice(self.batches(data), steps)
            for row in self.preprocess(batch.reshape(-1, 1) if batch.ndim else batch[None]))

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        return self.lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self.lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        self.lookup_layer.set_vocabulary(vocabulary, idf_weights)

    # -- the layer ---------------------------------------------------------------------------
    def transform(self, x: np.ndarray) -> np.ndarray:
        scalar = x.ndim == 0
        rows = self.preprocess(x[None] if scalar else x)
        lookup = self.lookup_layer
        if self.output_mode == "int" and self.split is None and \
                self.output_sequence_length is None:  # one token per string: x's shape
            ids = lookup.lookup(np.array([r[0] for r in rows], dtype=object))
            return ids.reshape(x.shape)
        length = None
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(r) for r in rows), default=0)
            rows = [r[:length] for r in rows]
        # every token looked up at once, then put in its row: (row, position) pairs
        sizes = np.array([len(r) for r in rows], np.int64)
        ids = lookup.lookup_values([t for r in rows for t in r])
        row = np.repeat(np.arange(len(rows)), sizes)
        col = np.arange(len(ids)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        if self.output_mode == "int":
            out = np.zeros((len(rows), length), np.int64)
            out[row, col] = ids
        else:  # -1 (nothing) where a row is shorter than the longest
            table = np.full((len(rows), max(int(sizes.max(initial=0)), 1)), -1, np.int64)
            table[row, col] = ids
            out = lookup.encode_indices(table)
        return out[0] if scalar else out

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int" and self.split is None and \
                self.output_sequence_length is None:
            return tuple(input_shape)
        if self.output_mode == "int":
            return (self.output_sequence_length,)
        return (self.lookup_layer.depth(),)

    def build(self, input_shape):
        shape = tuple(input_shape)
        if len(shape) > 1 or (shape and shape[0] not in (1, None)):
            raise ValueError(_("TextVectorization layer {name!r}: each sample must be one "
                               "string, Input(shape=(1,), dtype='string') or Input(shape=(), "
                               "dtype='string'); got samples of shape {shape}.").format(
                                   name=self.name, shape=shape))
        super().build(input_shape)

    def check_variable_length(self, shapes):  # its input is strings: nothing to check
        return

    @property
    def handles_variable_length(self) -> bool:
        return self.output_mode == "int" and self.output_sequence_length is None

    def keras_arrays(self) -> dict[str, np.ndarray]:
        """The TF-IDF weights, where Keras keeps them: in this layer's group and in its
        lookup layer's (``_lookup_layer``)."""
        arrays = self.lookup_layer.keras_arrays()
        return {**arrays, **{f"_lookup_layer/{k}": v for k, v in arrays.items()}}

    def load_keras_assets(self, lines: list[str] | None, arrays: dict) -> None:
        self.lookup_layer.load_keras_assets(lines, arrays)

    def get_config(self) -> dict[str, Any]:
        """Keras's config; the vocabulary is in it, so a saved model keeps it. A function
        given as ``standardize`` or ``split`` is not saved (a model file holds no code):
        pass it again, ``load_model(..., custom_objects={...})``, see ``from_config``."""
        lookup = self.lookup_layer.get_config()
        config = {**super().get_config(),
                  "max_tokens": lookup["max_tokens"],
                  "standardize": _named(self.standardize), "split": _named(self.split),
                  "ngrams": list(self.ngrams) if isinstance(self.ngrams, tuple) else self.ngrams,
                  "output_mode": self.output_mode,
                  "output_sequence_length": self.output_sequence_length,
                  "pad_to_max_tokens": lookup["pad_to_max_tokens"], "sparse": False,
                  "ragged": False, "vocabulary": lookup["vocabulary"],
                  "idf_weights": lookup["idf_weights"], "encoding": self.encoding,
                  "vocabulary_size": self.vocabulary_size()}
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TextVectorization:
        config = dict(config)
        for key in ("standardize", "split"):
            value = config.get(key)
            if isinstance(value, dict):  # Keras's {"class_name": "function", ...}: code
                config[key] = _registered_function(value, key)
        return cls(**config)


def _named(value):
    """A standardize/split setting as config: its name, or the registered name of a
    function (Keras's ``{"class_name": "function", "config": name}``)."""
    if value is None or isinstance(value, str):
        return value
    return {"class_name": "function", "config": getattr(value, "__name__", str(value)),
            "module": getattr(value, "__module__", None)}


def _registered_function(entry: dict, key: str):
    """The function a config names, from ``custom_objects`` or
    ``register_keras_serializable``: never code read from the file."""
    from ..activations import CUSTOM

    name = entry.get("config")
    if isinstance(name, str) and callable(CUSTOM.get(name)):
        return CUSTOM[name]
    raise ValueError(_("TextVectorization: the saved model used your own function {name!r} "
                       "as {key}; a model file holds no code, so pass it when loading: "
                       "load_model(path, custom_objects={{{name!r}: {name}}}).").format(
                           name=str(name)[:100], key=key))
