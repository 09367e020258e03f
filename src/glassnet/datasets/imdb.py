"""IMDB movie reviews: 50,000 reviews labelled positive (1) or negative (0), as Keras.

By Andrew Maas et al., "Learning Word Vectors for Sentiment Analysis" (ACL 2011),
https://ai.stanford.edu/~amaas/data/sentiment/. Each review is a list of word ranks
(see ``sequences.py`` for how the arguments change them, with a worked example).
"""

from __future__ import annotations

import numpy as np

from ..downloads import get_file
from ..i18n import _
from .safe_pickle import load_npz
from .sequences import (
    limit_vocabulary,
    load_word_index,
    object_array,
    remove_long_sequences,
    renamed_num_words,
    shift_indices,
)
from .splits import Split, shuffle_together

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"  # SHA-256
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # MD5, as Keras publishes it


def load_data(path: str = "imdb.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, seed: int = 113, start_char: int | None = 1,
              oov_char: int | None = 2, index_from: int = 3, **kwargs) -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.imdb``.

    ``x``: 1-D object arrays of 25,000 lists of word indices each (before ``maxlen``);
    ``y``: int64 labels, 1 positive, 0 negative. Arguments, as in Keras:

    - ``num_words``: keep the ``num_words`` most frequent words; rarer ones become
      ``oov_char``. Indices are counted after ``index_from``, so ``num_words=10000``
      keeps indices below 10,000.
    - ``skip_top``: the most frequent indices below it become ``oov_char`` too.
    - ``maxlen``: drop (not truncate) reviews of ``maxlen`` words or more.
    - ``seed``: the shuffle, with ``np.random.RandomState(seed)``, train then test.
    - ``start_char``, ``oov_char``, ``index_from``: the start mark, the "unknown word"
      mark, and the offset added to every word rank.

    ``path``: the file's name in ``~/.keras/datasets``. The 17 MB file is downloaded
    once and checked against Keras's SHA-256. Its arrays are pickled lists, read by a
    restricted unpickler that rebuilds arrays and never runs code (``safe_pickle.py``);
    ``np.load(allow_pickle=True)`` would run whatever a tampered file asks.
    ``nb_words`` (Keras 1's spelling of ``num_words``) is accepted with a warning.
    """
    num_words = renamed_num_words(num_words, kwargs)
    file = get_file(fname=path, origin=ORIGIN_FOLDER + "imdb.npz", file_hash=FILE_HASH)
    f = load_npz(file)
    rng = np.random.RandomState(seed)
    x_train, labels_train = shuffle_together(rng, f["x_train"], f["y_train"])
    x_test, labels_test = shuffle_together(rng, f["x_test"], f["y_test"])
    x_train = shift_indices(x_train, start_char, index_from)
    x_test = shift_indices(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long_sequences(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_sequences(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(_("No review is shorter than maxlen={maxlen} in the "
                               "training or the test set: increase maxlen.").format(maxlen=maxlen))
    xs = limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    n = len(x_train)
    return (object_array(xs[:n]), labels[:n]), (object_array(xs[n:]), labels[n:])


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """The word ranks: ``{"the": 1, ...}``. Add ``index_from`` (3) to match
    ``load_data``'s indices. Downloaded once, checked against Keras's MD5."""
    return load_word_index(path, ORIGIN_FOLDER + "imdb_word_index.json", WORD_INDEX_HASH)
