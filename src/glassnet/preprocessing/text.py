"""Keras 2's ``keras.preprocessing.text``: ``Tokenizer`` and ``text_to_word_sequence``.

Keras 3 removed them (its replacement is the ``TextVectorization`` layer, in
``glassnet.layers`` too); tutorials written for Keras 2 use them to turn texts into the word-index
sequences that ``Embedding`` reads. The behaviour is Keras 2's (``keras_preprocessing``):

* a text is lower-cased, each character of ``filters`` becomes a space, and it is split
  on spaces: ``"The cat, the hat!"`` -> ``["the", "cat", "the", "hat"]``;
* ``fit_on_texts`` counts words; ``word_index`` numbers them by count, most frequent first,
  from 1 (ties in the order first seen; 0 is left for padding; ``oov_token`` gets 1);
* ``texts_to_sequences`` maps each word to its index, keeping only indices below
  ``num_words`` (others become the ``oov_token``'s index, or are dropped without one).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict

import numpy as np

from ..i18n import _
from ..legacy import warn_once

__all__ = ["Tokenizer", "text_to_word_sequence"]

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text: str, filters: str = FILTERS, lower: bool = True,
                          split: str = " ") -> list[str]:
    """``"Hello, World!"`` -> ``["hello", "world"]``: lower-case, filter, split."""
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in input_text.split(split) if w]


class Tokenizer:
    """Words to integer indices, learnt from a corpus (Keras 2; see the module docstring).

    Attributes after ``fit_on_texts``: ``word_counts`` (word -> occurrences),
    ``word_docs`` (word -> number of texts containing it), ``word_index`` (word -> index),
    ``index_word`` (the reverse), ``document_count``.
    """

    def __init__(self, num_words: int | None = None, filters: str = FILTERS,
                 lower: bool = True, split: str = " ", char_level: bool = False,
                 oov_token: str | None = None, analyzer=None, **kwargs) -> None:
        warn_once("keras.preprocessing.text.Tokenizer",
                  _("the keras.layers.TextVectorization layer"))
        if kwargs:
            raise TypeError(_("Tokenizer got unexpected argument(s) {kwargs}.").format(
                                  kwargs=sorted(kwargs)))
        self.num_words, self.filters, self.lower, self.split = num_words, filters, lower, split
        self.char_level, self.oov_token, self.analyzer = char_level, oov_token, analyzer
        self.word_counts: OrderedDict[str, int] = OrderedDict()
        self.word_docs: defaultdict[str, int] = defaultdict(int)
        self.index_docs: defaultdict[int, int] = defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.document_count = 0

    def _words(self, text) -> list[str]:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if self.analyzer is not None:
            return list(self.analyzer(text))
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts) -> None:
        """Count the words of ``texts`` (strings, or lists of words) and number them."""
        for text in texts:
            self.document_count += 1
            words = self._words(text)
            for w in words:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(words):
                self.word_docs[w] += 1
        by_count = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocabulary = ([] if self.oov_token is None else [self.oov_token])
        vocabulary += [w for w, _ in by_count]
        self.word_index = {w: i for i, w in enumerate(vocabulary, start=1)}
        self.index_word = {i: w for w, i in self.word_index.items()}
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences) -> None:
        """Count, for each index, the sequences containing it (used by ``tfidf``)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts) -> list[list[int]]:
        """Each text as the list of its words' indices (see the module docstring)."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        out = []
        for text in texts:
            seq = []
            for w in self._words(text):
                i = self.word_index.get(w)
                if i is not None and not (self.num_words and i >= self.num_words):
                    seq.append(i)
                elif oov is not None:
                    seq.append(oov)
            out.append(seq)
        return out

    def sequences_to_texts(self, sequences) -> list[str]:
        """Indices back to words, joined by spaces (out-of-range indices dropped or OOV)."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        texts = []
        for seq in sequences:
            words = []
            for i in seq:
                w = self.index_word.get(i)
                if w is not None and not (self.num_words and i >= self.num_words):
                    words.append(w)
                elif oov is not None:
                    words.append(self.index_word[oov])
            texts.append(" ".join(words))
        return texts

    def texts_to_matrix(self, texts, mode: str = "binary") -> np.ndarray:
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode)

    def sequences_to_matrix(self, sequences, mode: str = "binary") -> np.ndarray:
        """One row per sequence, one column per index below ``num_words``:

        ``binary`` 1 if present; ``count`` c; ``freq`` c / len(seq);
        ``tfidf`` (1 + ln c) · ln(1 + N / (1 + d)), N texts of which d contain the word."""
        if mode not in ("binary", "count", "freq", "tfidf"):
            raise ValueError(_("mode must be 'binary', 'count', 'freq' or 'tfidf', got "
                               "{mode!r}.").format(mode=mode))
        if self.num_words:
            num_words = self.num_words
        elif self.word_index:
            num_words = len(self.word_index) + 1
        else:
            raise ValueError(_("Give Tokenizer(num_words=...) or call fit_on_texts first."))
        if mode == "tfidf" and not self.document_count:
            raise ValueError(_("Call fit_on_texts before using mode='tfidf'."))
        x = np.zeros((len(sequences), num_words))
        for row, seq in enumerate(sequences):
            counts: dict[int, int] = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[row, j] = c
                elif mode == "freq":
                    x[row, j] = c / len(seq)
                elif mode == "binary":
                    x[row, j] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[row, j] = (1 + np.log(c)) * idf
        return x
