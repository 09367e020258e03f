"""``pad_sequences``: lists of different lengths to one rectangular array (Keras's
``keras.utils.pad_sequences``, also ``keras.preprocessing.sequence.pad_sequences``)."""

from __future__ import annotations

import numpy as np

from ..i18n import _

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value: float = 0.0) -> np.ndarray:
    """Each sequence cut or padded to ``maxlen`` (default: the longest), as Keras does.

    ``padding="pre"`` puts the ``value``s before the sequence, ``"post"`` after it;
    ``truncating="pre"`` drops the start of a long sequence, ``"post"`` its end. Returns
    ``(len(sequences), maxlen)`` (plus the shape of one step, for sequences of vectors).

    Example: ``pad_sequences([[1, 2, 3], [4, 5]], maxlen=2)`` is ``[[2, 3], [4, 5]]``;
    ``pad_sequences([[1, 2, 3], [4, 5]])`` is ``[[1, 2, 3], [0, 4, 5]]``.
    """
    if padding not in ("pre", "post"):
        raise ValueError(_("padding must be 'pre' or 'post', got {padding!r}.").format(
                               padding=padding))
    if truncating not in ("pre", "post"):
        raise ValueError(_("truncating must be 'pre' or 'post', got {truncating!r}.").format(
                               truncating=truncating))
    if not hasattr(sequences, "__len__"):
        raise ValueError(_("pad_sequences needs a list of sequences, e.g. [[1, 2], [3]]."))
    lengths, step_shape = [], None
    for i, s in enumerate(sequences):
        if not hasattr(s, "__len__"):
            raise ValueError(_("pad_sequences needs a list of sequences, but entry {i} "
                               "is {s!r}, not a sequence. For one sequence, write "
                               "[{s!r}, ...] inside a list: pad_sequences([seq]).").format(
                                   i=i, s=s))
        lengths.append(len(s))
        if step_shape is None and len(s):
            step_shape = np.asarray(s).shape[1:]
    step_shape = step_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if isinstance(value, str) and np.dtype(dtype).kind not in "OUS":
        raise ValueError(_("pad_sequences: value {value!r} is text but dtype is "
                           "{dtype!r}; give dtype=object (or a string dtype) for text.").format(
                               value=value, dtype=dtype))
    out = np.full((len(lengths), maxlen, *step_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        kept = np.asarray(s[-maxlen:] if truncating == "pre" else s[:maxlen], dtype=dtype)
        if kept.shape[1:] != tuple(step_shape):
            raise ValueError(_("pad_sequences: the steps of sequence {i} have shape "
                               "{shape}, but the first non-empty sequence's have "
                               "{step_shape}; every step must have the same shape.").format(
                                   i=i, shape=kept.shape[1:], step_shape=tuple(step_shape)))
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
