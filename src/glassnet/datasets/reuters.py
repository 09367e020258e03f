"""Reuters newswires: 11,228 short news stories in 46 topics, as Keras.

From the Reuters-21578 collection (David D. Lewis). Each story is a list of word ranks
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
from .splits import Split, shuffle_together, split_index

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"  # SHA-256
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # MD5, as Keras publishes it
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path: str = "reuters.npz", num_words: int | None = None, skip_top: int = 0,
              maxlen: int | None = None, test_split: float = 0.2, seed: int = 113,
              start_char: int | None = 1, oov_char: int | None = 2, index_from: int = 3,
              **kwargs) -> Split:
    """Return ``(x_train, y_train), (x_test, y_test)``, as ``keras.datasets.reuters``.

    ``x``: 1-D object arrays of lists of word indices (8,982 train and 2,246 test
    stories with the defaults); ``y``: int64 topics 0-45 (``get_label_names()``).
    The stories are shuffled with ``np.random.RandomState(seed)``, then the last
    ``test_split`` of them are the test set. ``num_words``, ``skip_top``, ``maxlen``
    (drops stories of ``maxlen`` words or more), ``start_char``, ``oov_char`` and
    ``index_from`` work as in ``imdb.load_data``. Downloaded once into
    ``~/.keras/datasets``, checked against Keras's SHA-256; its pickled lists are read
    without running code (``safe_pickle.py``).
    """
    num_words = renamed_num_words(num_words, kwargs)
    file = get_file(fname=path, origin=ORIGIN_FOLDER + "reuters.npz", file_hash=FILE_HASH)
    f = load_npz(file)
    xs, labels = shuffle_together(np.random.RandomState(seed), f["x"], f["y"])
    xs = shift_indices(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_sequences(maxlen, xs, labels)
        if not xs:
            raise ValueError(_("No story is shorter than maxlen={maxlen}: increase "
                               "maxlen.").format(maxlen=maxlen))
    xs = limit_vocabulary(xs, num_words, skip_top, oov_char)
    i = split_index(len(xs), test_split)
    return ((object_array(xs[:i]), np.array(labels[:i])),
            (object_array(xs[i:]), np.array(labels[i:])))


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """The word ranks: ``{"the": 1, ...}``. Add ``index_from`` (3) to match
    ``load_data``'s indices. Downloaded once, checked against Keras's MD5."""
    return load_word_index(path, ORIGIN_FOLDER + "reuters_word_index.json", WORD_INDEX_HASH)


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in label order: ``get_label_names()[3] == "earn"``."""
    return LABEL_NAMES
