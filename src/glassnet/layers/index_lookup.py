"""``StringLookup`` and ``IntegerLookup``: a vocabulary of tokens, each token mapped to its
index, as Keras's lookup layers do (``keras/src/layers/preprocessing/index_lookup.py``).

The indices, for the defaults (``num_oov_indices=1``, no mask)::

    index 0          the out-of-vocabulary (OOV) token "[UNK]" (-1 for IntegerLookup)
    index 1, 2, ...  the vocabulary, most frequent token first

With a ``mask_token`` and ``output_mode="int"`` the mask takes index 0 and the OOV tokens
follow (``TextVectorization``: 0 = "" padding, 1 = "[UNK]"). ``num_oov_indices = n > 1``
spreads unknown tokens over n indices: ``hash(token) % n`` (FarmHash64 for strings,
``token % n`` for integers).

``adapt(data)`` counts the tokens and keeps the ``max_tokens`` (minus the special indices)
most frequent, ties broken by the larger token first (Keras: a reversed ``np.lexsort`` of
``(tokens, counts)``). ``output_mode="tf_idf"`` also learns
``idf(t) = log(1 + D / (1 + d(t)))`` over D documents (rows), ``d(t)`` of which hold ``t``;
the special indices get the mean idf.
"""

from __future__ import annotations

import collections
import itertools
import math
from typing import Any

import numpy as np

from .. import backend
from ..data import as_text
from ..farmhash import fingerprint64
from ..i18n import _
from .data_layer import DataLayer, check_mode, encode, encoded_shape


class IndexLookup(DataLayer):
    """The shared machinery of ``StringLookup`` and ``IntegerLookup`` (see the module
    docstring). ``vocabulary`` is a list (or a path to a file with one token per line);
    ``invert=True`` maps indices back to tokens."""

    text_tokens = True  # StringLookup; IntegerLookup's tokens are int64

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token=None, oov_token="[UNK]", vocabulary=None, idf_weights=None,
                 invert: bool = False, output_mode: str = "int",
                 pad_to_max_tokens: bool = False, sparse: bool = False,
                 encoding: str = "utf-8", vocabulary_dtype=None, oov_method: str = "floormod",
                 salt=None, vocabulary_size: int | None = None,
                 has_input_vocabulary: bool | None = None, **kwargs) -> None:
        # vocabulary_size: the output width a saved model was built for (its vocabulary
        # comes later, from the file's assets); has_input_vocabulary: Keras's own record
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        cls = type(self).__name__
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(_("{cls}: oov_method must be 'floormod' or 'farmhash', got "
                               "{method!r}.").format(cls=cls, method=oov_method))
        if salt is not None:
            raise NotImplementedError(_("{cls}: salt (Keras's SipHash of unknown tokens) is "
                                        "not supported by glassnet; leave it out.").format(
                                            cls=cls))
        self.oov_method = oov_method
        self.saved_vocabulary_size = vocabulary_size
        self.output_mode = check_mode(cls, output_mode, ("int", "one_hot", "multi_hot",
                                                         "count", "tf_idf"))
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(_("{cls}: max_tokens must be greater than 1 (or None), got "
                               "{max_tokens}.").format(cls=cls, max_tokens=max_tokens))
        if num_oov_indices < 0:
            raise ValueError(_("{cls}: num_oov_indices must be 0 or more, got "
                               "{n}.").format(cls=cls, n=num_oov_indices))
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(_("{cls}: pad_to_max_tokens=True needs max_tokens.").format(
                cls=cls))
        if invert and self.output_mode != "int":
            raise ValueError(_("{cls}: invert=True needs output_mode='int', got "
                               "{mode!r}.").format(cls=cls, mode=self.output_mode))
        if sparse:
            raise NotImplementedError(_("{cls}: sparse=True is not supported by glassnet "
                                        "(outputs are dense NumPy arrays).").format(cls=cls))
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = False
        self.encoding = encoding
        self.tokens: list = []  # the vocabulary without the special tokens
        self.idf_weights: np.ndarray | None = None
        self.has_input_vocabulary = vocabulary is not None
        if self.output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(_("{cls}: with output_mode='tf_idf' and a vocabulary, give "
                               "idf_weights too (one per token).").format(cls=cls))
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ValueError(_("{cls}: idf_weights is for output_mode='tf_idf' only.").format(
                cls=cls))
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- the index layout ------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of indices: the special ones plus the tokens (Keras's count)."""
        return self._token_start() + len(self.tokens)

    def get_vocabulary(self, include_special_tokens: bool = True) -> list:
        """The token of each index, in index order (index 0 first)."""
        special = ([self.mask_token] * self._oov_start()
                   + [self.oov_token] * self.num_oov_indices)
        return (special if include_special_tokens else []) + list(self.tokens)

    def _token(self, value):
        """One vocabulary entry in this layer's token type."""
        return as_text(value) if self.text_tokens else int(value)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use ``vocabulary`` (a list, array, or a file path with one token per line),
        with or without the special tokens at its start, as Keras accepts it."""
        cls = type(self).__name__
        if isinstance(vocabulary, str):
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
            while vocabulary and vocabulary[-1] == "":
                vocabulary.pop()
        values = [self._token(v) for v in np.asarray(vocabulary).reshape(-1).tolist()]
        if not values:
            raise ValueError(_("{cls}: the vocabulary is empty.").format(cls=cls))
        special = self.get_vocabulary()[:self._token_start()]
        found_special = values[:len(special)] == special
        tokens = values[len(special):] if found_special else values
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(_("{cls}: the vocabulary repeats {tokens}; give each token "
                               "once.").format(cls=cls, tokens=repeated[:10]))
        for what, token in (("mask_token", self.mask_token), ("oov_token", self.oov_token)):
            if token is not None and token in tokens and (what == "mask_token" or self.invert):
                raise ValueError(_("{cls}: the vocabulary holds the {what} {token!r} "
                                   "among its tokens; leave the special tokens out, or put "
                                   "them first, in this order: {special}.").format(
                                       cls=cls, what=what, token=token, special=special))
        if self.max_tokens is not None and len(special) + len(tokens) > self.max_tokens:
            raise ValueError(_("{cls}: a vocabulary of {n} entries (with the special "
                               "tokens) is larger than max_tokens={max_tokens}.").format(
                                   cls=cls, n=len(special) + len(tokens),
                                   max_tokens=self.max_tokens))
        self.tokens = tokens
        self._index = {t: i for i, t in enumerate(tokens, self._token_start())}
        self._table = None
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(_("{cls}: output_mode='tf_idf' needs idf_weights with "
                                   "the vocabulary.").format(cls=cls))
            w = np.asarray(idf_weights, np.float64).reshape(-1)
            if len(w) != len(values):
                raise ValueError(_("{cls}: idf_weights has {n} values for a vocabulary of "
                                   "{m}; give one per entry.").format(cls=cls, n=len(w),
                                                                      m=len(values)))
            if not found_special:  # Keras: the special indices get the mean idf
                w = np.concatenate([np.full(len(special), w.mean()), w])
            self.idf_weights = self._pad_idf(w)

    def _pad_idf(self, w: np.ndarray) -> np.ndarray:
        if self.pad_to_max_tokens:
            w = np.concatenate([w, np.zeros(self.max_tokens - len(w))])
        return w.astype(backend.floatx())

    # -- adapt --------------------------------------------------------------------------
    def adapt(self, data, batch_size: int | None = None, steps: int | None = None) -> None:
        """Learn the vocabulary from ``data`` (an array or list of tokens, or a dataset or
        iterable of batches): the most frequent tokens first (see the module docstring)."""
        if self.has_input_vocabulary:
            raise ValueError(_("{cls} layer {name!r} was given a vocabulary; it cannot "
                               "also adapt.").format(cls=type(self).__name__, name=self.name))
        self.learn_rows([self._token(t) for t in row]
                        for batch in itertools.islice(self.batches(data), steps)
                        for row in self.documents(batch))

    def learn_rows(self, rows) -> None:
        """Count each token and the rows (documents) holding it, over ``rows`` (an iterable
        of token lists), then ``learn`` from the counts."""
        counts: collections.Counter = collections.Counter()
        documents: collections.Counter = collections.Counter()
        n_docs = 0
        for row in rows:
            counts.update(row)
            documents.update(set(row))
            n_docs += 1
        self.learn(counts, documents, n_docs)

    def documents(self, batch: np.ndarray) -> list[list]:
        """The rows of a batch of tokens (a 1-D batch: one token per row)."""
        b = batch.reshape(-1, 1) if batch.ndim <= 1 else batch.reshape(len(batch), -1)
        return b.tolist()

    def learn(self, counts: collections.Counter, documents: collections.Counter,
              n_docs: int) -> None:
        """Keep the most frequent tokens (ties: the larger token first, as Keras sorts)."""
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        order = sorted(counts.items(), key=lambda tc: (tc[1], tc[0]), reverse=True)
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start()]
        self.tokens = [t for t, _n in order]
        self._index = {t: i for i, t in enumerate(self.tokens, self._token_start())}
        self._table = None
        if self.output_mode == "tf_idf":
            idf = np.array([math.log(1 + n_docs / (1 + documents[t])) for t in self.tokens])
            mean = idf.mean() if len(idf) else 0.0
            self.idf_weights = self._pad_idf(
                np.concatenate([np.full(self._token_start(), mean), idf]))

    # -- the lookup ---------------------------------------------------------------------
    def lookup(self, x: np.ndarray) -> np.ndarray:
        """The index of each token of ``x`` (int64, same shape)."""
        return self.lookup_values(self.tokens_of(x)).reshape(x.shape)

    def lookup_values(self, values: list) -> np.ndarray:
        """The index of each token of a flat list: one dict lookup per token (in C, with
        ``map``), then the unknown tokens fixed up together."""
        table = vars(self).get("_table")
        if table is None:  # the vocabulary's indices, and the mask's
            table = dict(getattr(self, "_index", {}))
            if self.mask_token is not None:  # index 0 in "int" mode; the encodings drop it
                table[self.mask_token] = 0 if self.output_mode == "int" else -2
            self._table = table
        out = np.fromiter(map(table.get, values, itertools.repeat(-1)), np.int64, len(values))
        unknown = np.flatnonzero(out == -1)
        if len(unknown):
            if self.num_oov_indices == 0:
                raise ValueError(_("{cls} layer {name!r}: {token!r} is not in the "
                                   "vocabulary and num_oov_indices=0; set "
                                   "num_oov_indices=1 to map unknown tokens to one "
                                   "index.").format(cls=type(self).__name__, name=self.name,
                                                    token=values[unknown[0]]))
            out[unknown] = self._oov_start() + np.array(
                [self._oov_bucket(values[i]) for i in unknown], np.int64)
        out[out == -2] = -1
        return out

    def tokens_of(self, x: np.ndarray) -> list:
        """The values of ``x`` as this layer's tokens (``str``, or ``int`` for IntegerLookup),
        in a flat list."""
        values = x.reshape(-1).tolist()
        if self.text_tokens:
            return values if x.dtype.kind == "U" else [as_text(v) for v in values]
        return values if x.dtype.kind in "iu" else [int(v) for v in values]

    def _oov_bucket(self, token) -> int:
        """Which of the ``num_oov_indices`` an unknown token takes (0 for one of them)."""
        n = self.num_oov_indices
        if n == 1:
            return 0
        if self.text_tokens or self.oov_method == "farmhash":
            return fingerprint64(str(token)) % n
        return token % n

    def inverse(self, x: np.ndarray) -> np.ndarray:
        """The token of each index (invert=True); unknown indices give the OOV token."""
        vocab = self.get_vocabulary()
        if self.mask_token is not None:
            vocab[0] = self.mask_token
        n = len(vocab)
        idx = np.asarray(x).astype(np.int64)
        table = np.array(vocab, dtype=str if self.text_tokens else np.int64)
        out = table[np.clip(idx, 0, n - 1)]
        out[(idx < 0) | (idx >= n)] = self.oov_token
        return out

    def depth(self) -> int:
        """The width of the multi-hot/count/TF-IDF vectors."""
        if self.pad_to_max_tokens:
            return self.max_tokens
        if not self.tokens and self.saved_vocabulary_size:
            return int(self.saved_vocabulary_size)
        return self.vocabulary_size()

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.invert:
            return self.inverse(x)
        if self.output_mode != "int" and not self.tokens and not self.pad_to_max_tokens:
            raise RuntimeError(_("{cls} layer {name!r}: with output_mode={mode!r}, set the "
                                 "vocabulary first: pass vocabulary=... or call "
                                 "adapt(data).").format(cls=type(self).__name__,
                                                        name=self.name,
                                                        mode=self.output_mode))
        return self.encode_indices(self.lookup(x))

    def encode_indices(self, indices: np.ndarray) -> np.ndarray:
        if self.output_mode == "tf_idf":
            return encode(indices, "count", self.depth(), self.idf_weights)
        return encode(indices, self.output_mode, self.depth())

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        return encoded_shape(input_shape, mode, self.depth())

    # -- Keras's .keras files -----------------------------------------------------------
    def keras_arrays(self) -> dict[str, np.ndarray]:
        """What Keras stores in ``model.weights.h5`` for this layer, by path below its group:
        the TF-IDF weights."""
        if self.output_mode != "tf_idf" or self.idf_weights is None:
            return {}
        return {"vars/idf_weights": self.idf_weights}

    def load_keras_assets(self, lines: list[str] | None, arrays: dict) -> None:
        """An adapted layer from a Keras file: its vocabulary (one token a line, special
        tokens first) and TF-IDF weights. A vocabulary in the config wins, as in Keras."""
        if lines is None or self.tokens:
            return
        while lines and lines[-1] == "":
            lines = lines[:-1]
        idf = arrays.get("idf_weights")
        self.set_vocabulary(lines, None if idf is None else np.asarray(idf)[:len(lines)])

    def get_config(self) -> dict[str, Any]:
        """Keras's config; the vocabulary (and the idf weights) are in it, so a saved model
        keeps them (Keras 3 writes an adapted vocabulary to an assets file instead)."""
        idf = None
        if self.idf_weights is not None:
            idf = self.idf_weights[:self.vocabulary_size()].tolist()
        return {**super().get_config(), "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "mask_token": self.mask_token,
                "oov_token": self.oov_token,
                "vocabulary": self.get_vocabulary() if self.tokens else None,
                "idf_weights": idf, "invert": self.invert, "output_mode": self.output_mode,
                "pad_to_max_tokens": self.pad_to_max_tokens, "sparse": False,
                "encoding": self.encoding, "vocabulary_size": self.vocabulary_size(),
                "oov_method": self.oov_method, "salt": None}


class StringLookup(IndexLookup):
    """Strings to indices (Keras's ``StringLookup``): ``oov_token="[UNK]"``, no mask by
    default. Example: ``StringLookup(vocabulary=["a", "b"])([["a", "c"]])`` gives
    ``[[1, 0]]`` ("c" is unknown: index 0)."""

    accepts_text = True


class IntegerLookup(IndexLookup):
    """Integers to indices (Keras's ``IntegerLookup``): ``oov_token=-1``, no mask by
    default. Example: ``IntegerLookup(vocabulary=[12, 36])([[12, 7]])`` gives
    ``[[1, 0]]``."""

    text_tokens = False

    def __init__(self, max_tokens: int | None = None, num_oov_indices: int = 1,
                 mask_token=None, oov_token=-1, vocabulary=None, vocabulary_dtype="int64",
                 idf_weights=None, invert: bool = False, output_mode: str = "int",
                 sparse: bool = False, pad_to_max_tokens: bool = False,
                 oov_method: str = "floormod", salt=None, vocabulary_size: int | None = None,
                 has_input_vocabulary: bool | None = None, **kwargs) -> None:
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         oov_method=oov_method, salt=salt,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse,
                         vocabulary_size=vocabulary_size, **kwargs)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("encoding")
        return {**config, "vocabulary_dtype": "int64"}
