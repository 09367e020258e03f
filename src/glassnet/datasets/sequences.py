"""Word-index sequences as IMDB and Reuters give them, prepared as Keras's loaders do.

A review is a list of word ranks: 1 is the most frequent word in the data, 2 the next...
The loaders then, in this order (a worked example with the defaults ``start_char=1``,
``oov_char=2``, ``index_from=3``, and ``num_words=8, skip_top=4``)::

    stored review          [1, 2, 5]      # "the", "and", "film"
    shift_indices          [1, 4, 5, 8]   # start mark 1, then each rank + 3
    limit_vocabulary       [2, 4, 5, 2]   # keep 4 <= w < 8, else oov_char 2

so indices 0, 1 and 2 stay free for padding, start and "out of vocabulary". As in Keras,
the start mark itself is replaced when it falls below ``skip_top``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from ..downloads import get_file
from ..i18n import _


def shift_indices(xs: Iterable[Sequence[int]], start_char: int | None, index_from: int
                  ) -> list[list[int]]:
    """Add ``index_from`` to every word index; put ``start_char`` first (unless None)."""
    start = [] if start_char is None else [start_char]
    return [start + [w + index_from for w in x] for x in xs]


def remove_long_sequences(maxlen: int, xs: list, labels) -> tuple[list, list]:
    """Keep the sequences shorter than ``maxlen`` (strictly: Keras's ``remove_long_seq``
    drops a sequence of exactly ``maxlen`` words too, and truncates none)."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(xs: list[list[int]], num_words: int | None, skip_top: int,
                     oov_char: int | None) -> list[list[int]]:
    """Replace (or drop, if ``oov_char`` is None) the indices outside
    ``[skip_top, num_words)``.

    ``num_words=None`` means the largest index present, as in Keras, whose test is
    ``w < num_words``: so that largest word itself becomes ``oov_char`` (a Keras quirk,
    kept so that the same call returns the same arrays in both libraries).
    """
    if not num_words:
        num_words = max((max(x) for x in xs if x), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def object_array(xs: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists, one per sequence (even if all have the same length)."""
    out = np.empty(len(xs), dtype=object)
    out[:] = xs
    return out


def renamed_num_words(num_words: int | None, kwargs: dict) -> int | None:
    """Keras 2's ``**kwargs`` of ``load_data``: ``nb_words`` is the old ``num_words``
    (accepted with a warning); any other unknown argument is an error."""
    if "nb_words" in kwargs:
        warnings.warn(_("load_data(nb_words=...) is the old spelling: use num_words=..."),
                      UserWarning, stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(_("load_data() got unknown arguments: {join}.").format(
                              join=', '.join(kwargs)))
    return num_words


def load_word_index(fname: str, origin: str, file_hash: str) -> dict[str, int]:
    """A word index JSON file (``{"the": 1, ...}``), downloaded once and checked."""
    import json

    with open(get_file(fname=fname, origin=origin, file_hash=file_hash), encoding="utf-8") as f:
        return json.load(f)
